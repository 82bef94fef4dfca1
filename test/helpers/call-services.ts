import { startMediaProgress } from '../../src/calls/calls.media-progress';
import { startCallProgress } from '../../src/calls/calls.progress';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { Actor, Scope } from '../../src/platform/auth/scopes';
import { ApiError } from '../../src/platform/errors';
import { ServiceDeps } from '../../src/platform/service-deps';
import { fundedTenant, serviceDeps } from './services';

// The calls services against real Postgres with carrier simulators (compressed time), wired as a gateway wires
// them, for integration tests that call the services directly.

export type BaseDeps = Awaited<ReturnType<typeof serviceDeps>>;

/** The DID tenantWithDid gives each tenant. */
export const FROM = '+15125550100';

export interface SimulatedCarrier {
  deps: ServiceDeps;
  sim: CarrierSimulator;
  /** Stops this carrier's progress listeners (a gateway that stopped hearing its carrier); the simulator runs on. */
  stop(): void;
}

/**
 * One test's service deps (over this worker's database, emptied first) and every carrier simulator it wires;
 * close() stops them all, lets the carrier events already handed over finish applying (`settleMs`), and
 * disconnects, so the next test's truncation does not race them.
 */
export class SimulatedCarriers {
  private sims: CarrierSimulator[] = [];
  private stops: (() => void)[] = [];

  private constructor(
    readonly base: BaseDeps,
    private readonly opts: { seed: string; settleMs: number },
  ) {}

  static async open(opts: { poolSize: number; seed: string; settleMs?: number }): Promise<SimulatedCarriers> {
    return new SimulatedCarriers(await serviceDeps({ poolSize: opts.poolSize }), { seed: opts.seed, settleMs: opts.settleMs ?? 0 });
  }

  /** A simulator and the deps of a gateway driven by it; `mediaReports: false` never hears its media reports. */
  withCarrier(opts: { timeScale: number; seed?: string; mediaReports: boolean }): SimulatedCarrier {
    const sim = createCarrierSimulator({ seed: opts.seed ?? this.opts.seed, timeScale: opts.timeScale });
    this.sims.push(sim);
    const deps: ServiceDeps = { ...this.base, callCarrier: callCarrierFrom(sim), callHoldEstimateMinutes: 10 };
    const fail = (err: unknown) => {
      throw err;
    };
    const mine = [startCallProgress(deps, fail), ...(opts.mediaReports ? [startMediaProgress(deps, fail)] : [])];
    this.stops.push(...mine);
    return { deps, sim, stop: () => mine.forEach((s) => s()) };
  }

  /** A funded tenant with FROM as an active number. */
  async tenantWithDid(balanceCents = 10_000n): Promise<string> {
    const tenantId = await fundedTenant(this.base, balanceCents);
    await this.base.prisma.phoneNumber.create({
      data: { tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 100n, monthlyPriceCentsCustomer: 150n, orderId: '00000000-0000-4000-8000-000000000001' },
    });
    return tenantId;
  }

  async close(): Promise<void> {
    this.stops.forEach((s) => s());
    this.sims.forEach((s) => s.close());
    this.stops = [];
    this.sims = [];
    if (this.opts.settleMs > 0) await new Promise((r) => setTimeout(r, this.opts.settleMs));
    await this.base.close();
  }
}

export function callsActor(tenantId: string, scopes: Scope[] = ['calls:read', 'calls:write']): Actor {
  return { tenantId, keyId: null, scopes: new Set(scopes), requestId: 'test' };
}

/** The ApiError code `p` fails with, or 'ok'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

export { waitFor } from './wait';
