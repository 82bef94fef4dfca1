import { Client } from 'pg';
import { Outcome } from './mixed-traffic';

// What must hold after any amount of traffic, crashes and restarts, checked with SQL against what the clients
// saw. Each check returns the violations it found (empty: it holds), with enough detail to start looking.

export interface InvariantOptions {
  /** The tenants whose rows are checked (a shared database may hold others'). */
  tenantIds: string[];
  /** Event ids the webhook receiver got; when given, every committed event of a subscribed tenant must be among them. */
  receivedEventIds?: Set<string>;
}

async function rows<T>(db: Client, sql: string, params: unknown[]): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

export async function checkInvariants(databaseUrl: string, outcomes: Outcome[], opts: InvariantOptions): Promise<string[]> {
  const db = new Client({ connectionString: databaseUrl });
  db.on('error', () => undefined);
  await db.connect();
  try {
    const ids = opts.tenantIds;
    const bad: string[] = [];
    // balance == sum(ledger), held == sum(active holds)
    for (const r of await rows<{ id: string; balance: string; ledger: string; held: string; holds: string }>(
      db,
      `SELECT t.id, t.balance_cents AS balance, COALESCE((SELECT sum(amount_cents) FROM ledger_entries l WHERE l.tenant_id = t.id), 0) AS ledger,
              t.held_cents AS held, COALESCE((SELECT sum(amount_cents) FROM credit_holds h WHERE h.tenant_id = t.id AND h.status = 'active'), 0) AS holds
         FROM tenants t WHERE t.id = ANY($1::uuid[])`,
      [ids],
    )) {
      if (r.balance !== r.ledger) bad.push(`tenant ${r.id}: balance ${r.balance} != sum(ledger) ${r.ledger}`);
      if (r.held !== r.holds) bad.push(`tenant ${r.id}: held ${r.held} != active holds ${r.holds}`);
    }
    // No charge posted twice for one thing.
    for (const r of await rows<{ kind: string; reference_id: string; n: string }>(
      db,
      `SELECT kind, reference_id, count(*) AS n FROM ledger_entries
        WHERE tenant_id = ANY($1::uuid[]) AND ((kind IN ('top_up', 'call_charge')) OR (kind = 'number_activation' AND reference_type = 'number_order'))
        GROUP BY kind, reference_id HAVING count(*) > 1`,
      [ids],
    )) {
      bad.push(`${r.kind} for ${r.reference_id} posted ${r.n} times`);
    }
    // No hold frozen for a call that ended; no call left unended.
    for (const r of await rows<{ id: string; status: string }>(db, `SELECT c.id, c.status FROM calls c JOIN credit_holds h ON h.id = c.hold_id WHERE c.tenant_id = ANY($1::uuid[]) AND h.status = 'active' AND c.ended_at IS NOT NULL`, [ids])) {
      bad.push(`call ${r.id} ended (${r.status}) with its hold still active`);
    }
    for (const r of await rows<{ id: string; status: string }>(db, `SELECT id, status FROM calls WHERE tenant_id = ANY($1::uuid[]) AND ended_at IS NULL`, [ids])) {
      bad.push(`call ${r.id} never ended (${r.status})`);
    }
    for (const r of await rows<{ id: string; e164: string }>(db, `SELECT id, e164 FROM phone_numbers WHERE tenant_id = ANY($1::uuid[]) AND status = 'pending'`, [ids])) {
      bad.push(`number ${r.e164} (${r.id}) still pending`);
    }
    for (const r of await rows<{ id: string; status: string }>(db, `SELECT id, status FROM payments WHERE tenant_id = ANY($1::uuid[]) AND status NOT IN ('succeeded', 'failed')`, [ids])) {
      bad.push(`payment ${r.id} left ${r.status}`);
    }
    bad.push(...(await checkAnswered(db, outcomes)));
    if (opts.receivedEventIds) {
      for (const r of await rows<{ id: string; type: string; age: string; fanout: boolean; delivery: string | null }>(
        db,
        `SELECT e.id, e.type, round(extract(epoch FROM now() - e.created_at)) AS age,
                EXISTS (SELECT 1 FROM webhook_fanouts f WHERE f.event_id = e.id) AS fanout,
                (SELECT d.status || ' attempts ' || d.attempt_count || ' next ' || coalesce(d.next_attempt_at::text, '-') || ' lease ' || coalesce(d.lease_until::text, '-')
                        || ' last ' || coalesce(d.last_status_code::text, d.last_error, '-')
                        || ' jobs ' || coalesce((SELECT string_agg('run_at ' || j.run_at || ' attempts ' || j.attempts || ' locked ' || coalesce(j.locked_at::text, '-') || ' error ' || coalesce(left(j.last_error, 80), '-'), '; ')
                                                   FROM graphile_worker._private_jobs j WHERE j.key = 'webhook-delivery:' || d.id), 'none')
                   FROM webhook_deliveries d WHERE d.event_id = e.id LIMIT 1) AS delivery
           FROM events e WHERE e.tenant_id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.tenant_id = e.tenant_id)`,
        [ids],
      )) {
        // Where it is stuck, if it is: committed how long ago, fanned out or not, its delivery's state.
        if (!opts.receivedEventIds.has(r.id)) bad.push(`event ${r.type} ${r.id} committed ${r.age} s ago but never delivered (fan-out pending: ${r.fanout}; delivery: ${r.delivery ?? 'none'})`);
      }
    }
    return bad;
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** Every mutation a client saw succeed left exactly its ledger entry. */
async function checkAnswered(db: Client, outcomes: Outcome[]): Promise<string[]> {
  const bad: string[] = [];
  const ok = outcomes.filter((o) => o.status !== undefined && o.status >= 200 && o.status < 300);
  const orderNumberIds = ok.filter((o) => o.kind === 'order').flatMap((o) => (Array.isArray(o.response) ? o.response.map((n: { id: string }) => n.id) : []));
  const orders = await rows<{ id: string; debits: string }>(
    db,
    `SELECT p.id, (SELECT count(*) FROM ledger_entries l WHERE l.reference_type = 'number_order' AND l.reference_id = p.order_id::text AND l.kind = 'number_activation' AND l.amount_cents < 0) AS debits
       FROM phone_numbers p WHERE p.id = ANY($1::uuid[])`,
    [orderNumberIds],
  );
  if (orders.length !== new Set(orderNumberIds).size) bad.push(`${new Set(orderNumberIds).size - orders.length} ordered numbers answered 201 are missing`);
  for (const r of orders) if (r.debits !== '1') bad.push(`number ${r.id}: its order has ${r.debits} activation debits`);

  const callIds = ok.filter((o) => o.kind === 'call').map((o) => o.response?.id as string);
  const calls = await rows<{ id: string; charge: string | null; entries: string }>(
    db,
    `SELECT c.id, c.charge_cents AS charge, (SELECT count(*) FROM ledger_entries l WHERE l.reference_type = 'call' AND l.reference_id = c.id::text AND l.kind = 'call_charge') AS entries
       FROM calls c WHERE c.id = ANY($1::uuid[])`,
    [callIds],
  );
  if (calls.length !== new Set(callIds).size) bad.push(`${new Set(callIds).size - calls.length} calls answered 201 are missing`);
  for (const r of calls) {
    const expected = r.charge !== null && r.charge !== '0' ? '1' : '0';
    if (r.entries !== expected) bad.push(`call ${r.id} charged ${r.charge}: ${r.entries} call_charge entries`);
  }

  const paymentIds = ok.filter((o) => o.kind === 'topup').map((o) => o.response?.payment_id as string);
  const payments = await rows<{ id: string; status: string; entries: string }>(
    db,
    `SELECT p.id, p.status, (SELECT count(*) FROM ledger_entries l WHERE l.reference_type = 'payment' AND l.reference_id = p.id::text AND l.kind = 'top_up') AS entries
       FROM payments p WHERE p.id = ANY($1::uuid[])`,
    [paymentIds],
  );
  if (payments.length !== new Set(paymentIds).size) bad.push(`${new Set(paymentIds).size - payments.length} top-ups answered 200 are missing`);
  for (const r of payments) {
    if (r.status !== 'succeeded' || r.entries !== '1') bad.push(`payment ${r.id} ${r.status} with ${r.entries} top_up entries`);
  }
  return bad;
}

/** Error rate, p99 and the like, for a report. */
export function summarize(outcomes: Outcome[]) {
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] ?? 0;
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[o.status ?? o.error ?? 'none'] = (byStatus[o.status ?? o.error ?? 'none'] ?? 0) + 1;
  const errors = outcomes.filter((o) => o.status === undefined || o.status >= 500).length;
  return { requests: outcomes.length, errors, errorRate: outcomes.length ? errors / outcomes.length : 0, p50: at(0.5), p99: at(0.99), byStatus };
}
