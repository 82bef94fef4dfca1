import { credit } from '../../src/billing/ledger.service';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { unitFrom } from '../../src/carrier/random';
import { systemClock } from '../../src/platform/clock';
import { PrismaClient } from '../../src/platform/db/client';
import { PubSub } from '../../src/platform/pubsub';
import { createTestTenant, startTestGateway, TestGateway, TestTenant } from './gateway';
import { waitFor } from './wait';

// Calls played by the carrier simulator, for tests over HTTP: a gateway wired to one, tenants that can call,
// and destinations whose simulated outcome is known in advance.

/** The DID tests place calls from. */
export const FROM = '+15125550100';

/** A tenant with a key, `balanceCents` of credit (a ledger entry) and `did` as an active number. */
export async function tenantWithDid(prisma: PrismaClient, pubSub: PubSub, opts: { did?: string; balanceCents: bigint }): Promise<TestTenant> {
  const t = await createTestTenant(prisma);
  await credit({ db: prisma, pubSub, clock: systemClock }, { tenantId: t.tenantId, kind: 'adjustment', amountCents: opts.balanceCents, description: 'test funding' });
  await prisma.phoneNumber.create({
    data: {
      tenantId: t.tenantId, e164: opts.did ?? FROM, countryCode: 'US', numberType: 'local', status: 'active',
      activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001',
    },
  });
  return t;
}

export interface SimulatedCallsGateway {
  gw: TestGateway;
  sim: CarrierSimulator;
  close(): Promise<void>;
}

/** An in-process test gateway whose calls a carrier simulator plays, `timeScale` compressing its time. */
export async function startSimulatedCallsGateway(opts: { seed: string; timeScale: number }): Promise<SimulatedCallsGateway> {
  const sim = createCarrierSimulator(opts);
  const gw = await startTestGateway({}, { callCarrier: callCarrierFrom(sim) });
  return {
    gw,
    sim,
    async close() {
      await gw.close();
      sim.close();
    },
  };
}

/** `fn` until it answers something truthy (10 s at most, 20 ms apart). */
export const eventually = <T>(fn: () => Promise<T | null | false | undefined>): Promise<T> => waitFor(fn, 10_000, 20);

/** The simulator seed a gateway process runs with (main.ts passes none). */
const PROCESS_SEED = 'voepy';

/**
 * Destinations from +1512555<firstNumber> on that a gateway process's simulator answers (no failure pattern)
 * after at most 3 s of ringing and talks on for `minTalkSecs` to `maxTalkSecs` (src/carrier/calls.ts decides
 * both from the seed and the number).
 */
export function answeringDestinations(count: number, opts: { firstNumber: number; minTalkSecs: number; maxTalkSecs?: number }): string[] {
  const out: string[] = [];
  for (let n = opts.firstNumber; out.length < count; n++) {
    const to = `+1512555${String(n).padStart(4, '0')}`;
    if (['486', '408', '503', '487'].includes(to.slice(-3))) continue;
    const ring = 2 + Math.floor(unitFrom(PROCESS_SEED, 'ring', to) * 6);
    const talk = 15 + Math.floor(unitFrom(PROCESS_SEED, 'talk', to) * 286);
    if (ring <= 3 && talk >= opts.minTalkSecs && talk <= (opts.maxTalkSecs ?? 300)) out.push(to);
  }
  return out;
}
