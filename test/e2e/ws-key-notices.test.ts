import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { systemActor } from '../../src/platform/auth/scopes';
import { LISTENER_APPLICATION_NAME } from '../../src/platform/db/listener';
import { createApiKey, revokeApiKey } from '../../src/tenants/tenant.service';
import { bearer, createTestTenant, TestGateway, startTestGateway } from '../helpers/gateway';
import { balanceNotice } from '../helpers/subscribers';
import { collect, wsClient } from '../helpers/ws';

// Revocations and suspensions reach the gateway as PostgreSQL notices sent by the transaction that made them, so
// the admin CLI (a separate process with no bus to the gateways) closes open sockets at once as the API does.
// WS_KEY_RECHECK_MS is 600 s here: the periodic re-check never closes anything during these tests.

const CLI = join(__dirname, '../../dist/src/admin/cli.js');
const exec = promisify(execFile);
const BALANCE = 'subscription { balanceChanged { tenant { id } } }';
const timeout = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket stayed open')), ms))]);
const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('revocations and suspensions made by the admin CLI close open subscriptions at once', () => {
  let gw: TestGateway;
  const admin = async (...args: string[]) => {
    const { stdout } = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: gw.databaseUrl } });
    return JSON.parse(stdout);
  };
  beforeAll(async () => {
    gw = await startTestGateway({ wsKeyRecheckMs: 600_000 });
  });
  afterAll(() => gw.close());

  const open = (key: string) => {
    const client = wsClient(gw.wsUrl, bearer(key));
    const sub = collect<unknown>(client, BALANCE, 100, 60_000);
    sub.done.catch(() => undefined);
    return { client, sub };
  };
  const publishBalance = (tenantId: string, cents: string) => gw.pubSub.publish('BALANCE_CHANGED', tenantId, balanceNotice(tenantId, cents));

  it('key:revoke: the key’s socket closes (4401) on the revocation’s notice, not the 600 s re-check, receives nothing after; another key keeps its own', async () => {
    const t = await createTestTenant(gw.prisma);
    const doomed = await createApiKey(gw.prisma, systemActor(t.tenantId, 'test'), { name: 'doomed', scopes: ['billing:read'] });
    const revoked = open(doomed.plaintext);
    const kept = open(t.key);
    try {
      await gw.untilSubscribed('BALANCE_CHANGED', t.tenantId, 2);
      publishBalance(t.tenantId, '100');
      await until(() => revoked.sub.events.length === 1 && kept.sub.events.length === 1);
      let closedAt = 0;
      const closed = revoked.client.closed.then((c) => ((closedAt = Date.now()), c));

      await admin('key:revoke', t.tenantId, doomed.id);
      // Published once the CLI answered, so after the revocation committed.
      publishBalance(t.tenantId, '200');
      expect(await timeout(closed, 15_000)).toEqual({ code: 4401, reason: 'invalid_credentials' });
      // revoked_at is stamped inside the CLI's transaction, before it commits: a bound on when the notice could leave.
      const { revokedAt } = await gw.prisma.apiKey.findUniqueOrThrow({ where: { id: doomed.id } });
      expect(closedAt - revokedAt!.getTime()).toBeLessThan(10_000);
      publishBalance(t.tenantId, '300');
      await until(() => kept.sub.events.length === 3);
      expect(revoked.sub.events).toHaveLength(1);
      await expect(timeout(kept.client.closed, 200)).rejects.toThrow('socket stayed open');
    } finally {
      await kept.client.dispose();
      await revoked.client.dispose();
    }
  }, 120_000);

  it('tenant:suspend: every socket of the tenant closes (4403) on the notice, not the re-check; another tenant’s stays open', async () => {
    const t = await createTestTenant(gw.prisma);
    const second = await createApiKey(gw.prisma, systemActor(t.tenantId, 'test'), { name: 'second', scopes: ['billing:read'] });
    const other = await createTestTenant(gw.prisma);
    const a = open(t.key);
    const b = open(second.plaintext);
    const bystander = open(other.key);
    try {
      await gw.untilSubscribed('BALANCE_CHANGED', t.tenantId, 2);
      await gw.untilSubscribed('BALANCE_CHANGED', other.tenantId);
      const closedAt: number[] = [];
      const closed = [a, b].map((s) => s.client.closed.then((c) => (closedAt.push(Date.now()), c)));

      await admin('tenant:suspend', t.tenantId);
      publishBalance(t.tenantId, '100');
      for (const c of closed) expect(await timeout(c, 15_000)).toEqual({ code: 4403, reason: 'tenant_suspended' });
      const { updatedAt } = await gw.prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } });
      for (const at of closedAt) expect(at - updatedAt.getTime()).toBeLessThan(10_000);
      expect(a.sub.events).toEqual([]);
      expect(b.sub.events).toEqual([]);
      await expect(timeout(bystander.client.closed, 300)).rejects.toThrow('socket stayed open');
    } finally {
      for (const s of [a, b, bystander]) await s.client.dispose();
    }
  }, 120_000);
});

describe('the notice listener survives its connection being killed', () => {
  let gw: TestGateway;
  let db: Client;
  beforeAll(async () => {
    gw = await startTestGateway({ wsKeyRecheckMs: 600_000 });
    db = new Client({ connectionString: gw.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await gw.close();
  });

  // Backends of this test's gateway only: other jest workers run gateways on databases of their own.
  const listenerPids = async () =>
    (
      await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND query LIKE 'LISTEN%'`,
        [LISTENER_APPLICATION_NAME],
      )
    ).rows.map((r) => r.pid);
  const killListener = async () => {
    const [pid] = await listenerPids();
    expect(pid).toBeDefined();
    const { rows } = await db.query<{ killed: boolean }>('SELECT pg_terminate_backend($1) AS killed', [pid]);
    expect(rows[0].killed).toBe(true);
    return pid;
  };
  const openSocket = async (tenantId: string, key: string) => {
    const client = wsClient(gw.wsUrl, bearer(key));
    collect<unknown>(client, BALANCE, 1, 60_000).done.catch(() => undefined);
    await gw.untilSubscribed('BALANCE_CHANGED', tenantId);
    return client;
  };

  it('after pg_terminate_backend it listens again on a new connection, and a revocation then closes the socket at once', async () => {
    const t = await createTestTenant(gw.prisma);
    const client = await openSocket(t.tenantId, t.key);
    try {
      const killed = await killListener();
      await until(async () => {
        const pids = await listenerPids();
        return pids.length === 1 && pids[0] !== killed;
      });
      await expect(timeout(client.closed, 300)).rejects.toThrow('socket stayed open');
      const started = Date.now();
      await revokeApiKey(gw.prisma, systemActor(t.tenantId, 'test'), t.keyId);
      expect(await timeout(client.closed, 15_000)).toEqual({ code: 4401, reason: 'invalid_credentials' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await client.dispose();
    }
  });

  it('a revocation made while the listener is away still closes the socket once it is back (the re-check on reconnect)', async () => {
    const t = await createTestTenant(gw.prisma);
    const client = await openSocket(t.tenantId, t.key);
    try {
      // Killed and revoked at once: the notice may leave before the listener is back, and then be lost.
      await killListener();
      await revokeApiKey(gw.prisma, systemActor(t.tenantId, 'test'), t.keyId);
      expect(await timeout(client.closed, 15_000)).toEqual({ code: 4401, reason: 'invalid_credentials' });
    } finally {
      await client.dispose();
    }
  });
});
