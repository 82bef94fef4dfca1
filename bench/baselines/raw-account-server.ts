import { createServer } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Pool } from 'pg';

// Baseline: the `account` read by hand, on bare node:http over raw pg, doing the same work as the gateway
// (find the key by prefix, check its hash and the tenant's status, read the tenant) and nothing more.
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const KEY = /^Bearer vpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

createServer(async (req, res) => {
  const m = KEY.exec(req.headers.authorization ?? '');
  if (!m) return void res.writeHead(401).end();
  const { rows } = await pool.query(
    `SELECT k.secret_hash, t.id, t.name, t.status, t.balance_cents, t.credit_limit_cents, t.currency
       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
    [m[1]],
  );
  const row = rows[0];
  const hash = createHash('sha256').update(m[2]).digest();
  if (!row || !timingSafeEqual(hash, Buffer.from(row.secret_hash, 'hex')) || row.status !== 'active') return void res.writeHead(401).end();
  const body = JSON.stringify({ tenant: { id: row.id, name: row.name }, balance: { amount_cents: Number(row.balance_cents), currency: row.currency, credit_limit_cents: Number(row.credit_limit_cents) } });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1', function (this: import('node:http').Server) {
  const address = this.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
