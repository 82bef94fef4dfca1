import { systemActor } from '../../src/platform/auth/scopes';
import { revokeApiKey, setTenantStatus } from '../../src/tenants/tenant.service';
import { addKey, createTestTenant, startTestGateway, TestGateway } from '../helpers/gateway';
import { collect, wsClient } from '../helpers/ws';

describe('open subscriptions follow their key', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ wsKeyRecheckMs: 100 });
  });
  afterAll(() => gw.close());

  const subscribe = (key: string) => {
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${key}` });
    collect(client, 'subscription { balanceChanged { tenant { id } } }', 1, 10_000).done.catch(() => undefined);
    return client;
  };
  const timeout = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket stayed open')), ms))]);

  it('closes the sockets of a revoked key (4401) and leaves the others open', async () => {
    const t = await createTestTenant(gw.prisma);
    const other = await addKey(gw.prisma, t.tenantId, ['billing:read']);
    const revoked = subscribe(t.key);
    const kept = subscribe(other);
    await new Promise((r) => setTimeout(r, 200));
    await revokeApiKey(gw.prisma, systemActor(t.tenantId, 'test'), t.keyId);
    expect(await timeout(revoked.closed, 3000)).toEqual({ code: 4401, reason: 'invalid_credentials' });
    await expect(timeout(kept.closed, 500)).rejects.toThrow('socket stayed open');
    await kept.dispose();
  });

  it('closes the sockets of an expired key, and of a suspended tenant (4403)', async () => {
    const t = await createTestTenant(gw.prisma);
    const shortLived = await addKey(gw.prisma, t.tenantId, ['billing:read'], new Date(Date.now() + 700));
    const expiring = subscribe(shortLived);
    expect(await timeout(expiring.closed, 4000)).toEqual({ code: 4401, reason: 'invalid_credentials' });

    const s = await createTestTenant(gw.prisma);
    const suspended = subscribe(s.key);
    await new Promise((r) => setTimeout(r, 200));
    await setTenantStatus(gw.prisma, systemActor(s.tenantId, 'test'), 'suspended');
    expect(await timeout(suspended.closed, 3000)).toEqual({ code: 4403, reason: 'tenant_suspended' });
  });
});

// Between two periodic re-checks an open socket must not start anything with a key that stopped being valid.
describe('an open socket starts nothing once its key is revoked or expired, before any re-check', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ wsKeyRecheckMs: 600_000 }); // the periodic re-check never runs during this test
  });
  afterAll(() => gw.close());

  const timeout = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket stayed open')), ms))]);
  const BALANCE = 'subscription { balanceChanged { tenant { id } } }';

  it('a revoked key: the next subscribe is refused and the socket closed with 4401', async () => {
    const t = await createTestTenant(gw.prisma);
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${t.key}` });
    const first = collect(client, BALANCE, 1, 10_000);
    first.done.catch(() => undefined);
    await first.ready;
    await revokeApiKey(gw.prisma, systemActor(t.tenantId, 'test'), t.keyId);
    const second = collect<any>(client, '{ account { tenant { id } } }', 1, 10_000);
    await expect(second.done).rejects.toBeDefined();
    expect(second.events).toEqual([]);
    expect(await timeout(client.closed, 3000)).toEqual({ code: 4401, reason: 'invalid_credentials' });
  });

  it('a key that expires mid-subscription: the next operation is refused and the socket closed with 4401', async () => {
    const t = await createTestTenant(gw.prisma);
    const shortLived = await addKey(gw.prisma, t.tenantId, ['billing:read'], new Date(Date.now() + 1500));
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${shortLived}` });
    const first = collect(client, BALANCE, 1, 10_000);
    first.done.catch(() => undefined);
    await first.ready;
    // Still valid: a second subscription on the same socket is taken.
    const before = collect(client, BALANCE, 1, 10_000);
    before.done.catch(() => undefined);
    await before.ready;
    await expect(timeout(client.closed, 100)).rejects.toThrow('socket stayed open');
    await new Promise((r) => setTimeout(r, 1600));
    const after = collect<any>(client, '{ account { tenant { id } } }', 1, 10_000);
    await expect(after.done).rejects.toBeDefined();
    expect(after.events).toEqual([]);
    expect(await timeout(client.closed, 3000)).toEqual({ code: 4401, reason: 'invalid_credentials' });
  });
});
