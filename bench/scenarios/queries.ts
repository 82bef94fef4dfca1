import { load, LoadResult, Row, row } from '../harness';

// `account` and `phoneNumber(id)` over GraphQL HTTP at 50 connections against plain graphql-js over raw pg:
// first each side's peak throughput, then both driven at 70% of the gateway's own peak rate, where the gateway's
// p99 must stay within 3× the baseline's p99 at that same rate, with no errors.

export const ACCOUNT_QUERY = '{ account { tenant { id name } balance { amountCents currency creditLimitCents } } }';
export const PHONE_NUMBER_QUERY = 'query ($id: ID!) { phoneNumber(id: $id) { id e164 status countryCode numberType capabilities monthlyPriceCentsCustomer activatedAt } }';

export interface QueryTargets {
  gatewayPort: number;
  plainPort: number;
  key: string;
  phoneNumberId: string;
}

export async function queryRows(t: QueryTargets): Promise<{ rows: Row[]; accountPeak: LoadResult }> {
  const headers = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };
  const rows: Row[] = [];
  let accountPeak: LoadResult | undefined;
  const cases = [
    ['`account`', JSON.stringify({ query: ACCOUNT_QUERY })],
    ['`phoneNumber(id)`', JSON.stringify({ query: PHONE_NUMBER_QUERY, variables: { id: t.phoneNumberId } })],
  ] as const;
  for (const [name, body] of cases) {
    const gateway = { url: `http://127.0.0.1:${t.gatewayPort}/graphql`, connections: 50, headers, method: 'POST' as const, body };
    const plain = { ...gateway, url: `http://127.0.0.1:${t.plainPort}/graphql` };
    const g = await load(gateway);
    const b = await load(plain);
    accountPeak ??= g;
    rows.push(row(`${name} over GraphQL HTTP, 50 connections`, 'graphql-js + raw pg on node:http', g, b, '≥ 50% of baseline, 0 errors', g.rps / b.rps >= 0.5 && g.errors === 0));

    // Both at the same fixed rate (70% of what the gateway itself peaked at): latency under load it can carry.
    const rate = Math.max(1, Math.floor(g.rps * 0.7));
    const gr = await load({ ...gateway, overallRate: rate, warm: true });
    const br = await load({ ...plain, overallRate: rate, warm: true });
    rows.push({
      scenario: `${name} at 70% of the gateway's peak (${rate} req/s), 50 connections; ratio = p99 ratio`,
      baseline: 'graphql-js + raw pg at the same rate',
      gatewayRps: gr.rps,
      baselineRps: br.rps,
      ratio: gr.p99 / Math.max(br.p99, 1),
      p50: gr.p50,
      p99: gr.p99,
      errors: gr.errors,
      goal: `p99 ≤ 3× baseline p99 (baseline p99 ${br.p99} ms), 0 errors`,
      pass: gr.p99 <= 3 * Math.max(br.p99, 1) && gr.errors === 0,
    });
  }
  return { rows, accountPeak: accountPeak! };
}
