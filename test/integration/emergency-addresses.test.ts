import { systemActor } from '../../src/platform/auth/scopes';
import { attachEmergencyAddress, createEmergencyAddress, deleteEmergencyAddress } from '../../src/numbers/emergency-addresses.service';
import { releasePhoneNumber } from '../../src/numbers/configure.service';
import { fundedTenant, serviceDeps } from '../helpers/services';

describe('emergency endpoints', () => {
  let deps: Awaited<ReturnType<typeof serviceDeps>>;
  beforeAll(async () => {
    deps = await serviceDeps({ poolSize: 20 });
  });
  afterAll(() => deps.close());

  const address = { streetAddress: '1 Example St', locality: 'Austin', administrativeArea: 'TX', postalCode: '78701', countryCode: 'US' };
  const activeNumber = (tenantId: string, e164: string) =>
    deps.prisma.phoneNumber.create({
      data: {
        tenantId, e164, countryCode: 'US', numberType: 'local', status: 'active', activatedAt: new Date(),
        activationPriceCentsCustomer: 100n, monthlyPriceCentsCustomer: 150n, orderId: '00000000-0000-4000-8000-000000000001',
      },
    });

  it('an address deleted while it is being attached: exactly one of the two wins, never a number pointing at nothing', async () => {
    const tenantId = await fundedTenant(deps, 0n);
    const actor = systemActor(tenantId, 'race');
    for (let round = 0; round < 10; round++) {
      const n = await activeNumber(tenantId, `+1512555${String(round).padStart(4, '0')}`);
      const a = await createEmergencyAddress(deps, actor, address);
      const [attach, del] = await Promise.allSettled([attachEmergencyAddress(deps, actor, n.id, a.id), deleteEmergencyAddress(deps, actor, a.id)]);
      const outcome = [attach.status, del.status];
      expect([['fulfilled', 'rejected'], ['rejected', 'fulfilled']]).toContainEqual(outcome);
      const failed = (attach.status === 'rejected' ? attach.reason : (del as PromiseRejectedResult).reason) as { code: string };
      expect(failed.code).toBe(attach.status === 'rejected' ? 'not_found' : 'conflict');
      const row = await deps.prisma.phoneNumber.findUniqueOrThrow({ where: { id: n.id } });
      expect(row.emergencyAddressId).toBe(attach.status === 'fulfilled' ? a.id : null);
    }
  });

  it('an anchor is not released while a concurrent attach commits: release waits for the row and then refuses', async () => {
    const tenantId = await fundedTenant(deps, 0n);
    const actor = systemActor(tenantId, 'race');
    const n = await activeNumber(tenantId, '+15125559999');
    const a = await createEmergencyAddress(deps, actor, address);
    const [attach, release] = await Promise.allSettled([attachEmergencyAddress(deps, actor, n.id, a.id), releasePhoneNumber(deps, actor, n.id)]);
    const row = await deps.prisma.phoneNumber.findUniqueOrThrow({ where: { id: n.id } });
    // Either the release went first (then the attach finds a released number) or the attach did (release refused).
    if (release.status === 'fulfilled') {
      expect(attach.status).toBe('rejected');
      expect(row).toMatchObject({ status: 'released', emergencyAddressId: null });
    } else {
      expect((release.reason as { code: string }).code).toBe('release_not_permitted');
      expect(row).toMatchObject({ status: 'active', emergencyAddressId: a.id });
    }
  });
});
