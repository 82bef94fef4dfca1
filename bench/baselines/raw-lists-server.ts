import { createServer } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Pool } from 'pg';

// Baseline for the list scenarios: the same 100 numbers (with connection and emergency address) or 100 calls
// (with number, connection and charge) read by hand on bare node:http: the key lookup, then two queries —
// the page, and one for everything the page's rows point at.
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const KEY = /^Bearer vpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

async function tenantOf(authorization: string | undefined): Promise<string | undefined> {
  const m = KEY.exec(authorization ?? '');
  if (!m) return undefined;
  const { rows } = await pool.query(
    `SELECT k.secret_hash, k.tenant_id, t.status FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
    [m[1]],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(createHash('sha256').update(m[2]).digest(), Buffer.from(row.secret_hash, 'hex')) || row.status !== 'active') return undefined;
  return row.tenant_id as string;
}

async function numbers(tenantId: string) {
  const page = await pool.query(
    `SELECT id, e164, status, connection_id, emergency_address_id FROM phone_numbers WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100`,
    [tenantId],
  );
  const related = await pool.query(
    `SELECT 'c' AS kind, id, name AS label FROM connections WHERE id = ANY($1::uuid[])
     UNION ALL SELECT 'e', id, locality FROM emergency_addresses WHERE id = ANY($2::uuid[])`,
    [[...new Set(page.rows.map((r) => r.connection_id))], [...new Set(page.rows.map((r) => r.emergency_address_id))]],
  );
  const byId = new Map(related.rows.map((r) => [`${r.kind}:${r.id}`, r]));
  return page.rows.map((r) => ({
    id: r.id, e164: r.e164, status: r.status,
    connection: r.connection_id ? { id: r.connection_id, name: byId.get(`c:${r.connection_id}`)?.label } : null,
    emergencyAddress: r.emergency_address_id ? { id: r.emergency_address_id, locality: byId.get(`e:${r.emergency_address_id}`)?.label } : null,
  }));
}

async function calls(tenantId: string) {
  const page = await pool.query(
    `SELECT id, status, phone_number_id, connection_id, charge_ledger_entry_id FROM calls WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100`,
    [tenantId],
  );
  const related = await pool.query(
    `SELECT c.id, p.e164, n.name, l.amount_cents FROM calls c
       LEFT JOIN phone_numbers p ON p.id = c.phone_number_id LEFT JOIN connections n ON n.id = c.connection_id
       LEFT JOIN ledger_entries l ON l.id = c.charge_ledger_entry_id WHERE c.id = ANY($1::uuid[])`,
    [page.rows.map((r) => r.id)],
  );
  const byId = new Map(related.rows.map((r) => [r.id, r]));
  return page.rows.map((r) => {
    const x = byId.get(r.id);
    return { id: r.id, status: r.status, phoneNumber: x?.e164 ? { e164: x.e164 } : null, connection: x?.name ? { name: x.name } : null, charge: x?.amount_cents ? { amountCents: Number(x.amount_cents) } : null };
  });
}

createServer(async (req, res) => {
  const tenantId = await tenantOf(req.headers.authorization);
  if (!tenantId) return void res.writeHead(401).end();
  const data = req.url === '/numbers' ? { phoneNumbers: { nodes: await numbers(tenantId) } } : { calls: { nodes: await calls(tenantId) } };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1', function (this: import('node:http').Server) {
  const address = this.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
