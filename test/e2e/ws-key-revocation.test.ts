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
