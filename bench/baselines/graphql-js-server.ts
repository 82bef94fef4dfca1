import { createServer } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { buildSchema, graphql } from 'graphql';
import { Pool } from 'pg';

// Baseline: the same `account` query executed by plain graphql-js over raw pg on bare node:http: what a GraphQL
// server costs with no framework, no per-request machinery, no authorization layer beyond the key check. It also
// answers `phoneNumber(id)` the same way: the key check, then one query for the tenant's number.
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const KEY = /^Bearer vpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const schema = buildSchema(`
  type Tenant { id: ID! name: String! status: String! }
  type Balance { amountCents: Float! currency: String! creditLimitCents: Float! heldCents: Float! availableCents: Float! }
  type Account { tenant: Tenant! balance: Balance! }
  type PhoneNumber { id: ID! e164: String! status: String! countryCode: String! numberType: String! capabilities: [String!]! monthlyPriceCentsCustomer: Float! activatedAt: String }
  type Query { account: Account! phoneNumber(id: ID!): PhoneNumber }
`);

createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', async () => {
    const m = KEY.exec(req.headers.authorization ?? '');
    if (!m) return void res.writeHead(401).end();
    const { rows } = await pool.query(
      `SELECT k.secret_hash, t.id, t.name, t.status, t.balance_cents, t.credit_limit_cents, t.held_cents, t.currency
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
      [m[1]],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(createHash('sha256').update(m[2]).digest(), Buffer.from(row.secret_hash, 'hex'))) return void res.writeHead(401).end();
    const { query, variables } = JSON.parse(raw) as { query: string; variables?: Record<string, unknown> };
    const balance = Number(row.balance_cents);
    const rootValue = {
      account: {
        tenant: { id: row.id, name: row.name, status: row.status },
        balance: { amountCents: balance, currency: row.currency, creditLimitCents: Number(row.credit_limit_cents), heldCents: Number(row.held_cents), availableCents: balance + Number(row.credit_limit_cents) - Number(row.held_cents) },
      },
      phoneNumber: async ({ id }: { id: string }) => {
        const found = await pool.query(
          `SELECT id, e164, status, country_code, number_type, capabilities, monthly_price_cents_customer, activated_at
             FROM phone_numbers WHERE id = $1 AND tenant_id = $2`,
          [id, row.id],
        );
        const n = found.rows[0];
        return n && {
          id: n.id, e164: n.e164, status: n.status, countryCode: n.country_code, numberType: n.number_type, capabilities: n.capabilities,
          monthlyPriceCentsCustomer: Number(n.monthly_price_cents_customer), activatedAt: n.activated_at?.toISOString() ?? null,
        };
      },
    };
    const result = await graphql({ schema, source: query, rootValue, variableValues: variables });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1', function (this: import('node:http').Server) {
  const address = this.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
