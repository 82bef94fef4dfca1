import { verifyLedger } from '../../src/billing/ledger.service';
import { PrismaClient } from '../../src/platform/db/client';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { rest, TestTenant } from '../helpers/gateway';
import { GatewayProcess, GatewayProcesses, until } from '../helpers/gateway-process';
import { answeringDestinations, FROM, tenantWithDid } from '../helpers/simulated-calls';

// Two gateway processes on one database, each with its own in-process carrier. Neither's recovery may touch the
// other's live calls (its own carrier has never heard of them); once one is killed, the other settles that one's
// calls, but only after its heartbeat went stale.

const STALE_AFTER_MS = 2000;
const ENV = {
  CARRIER_TIME_SCALE: '0.1',
  CALL_RECOVERY_INTERVAL_MS: '300',
  INSTANCE_HEARTBEAT_INTERVAL_MS: '200',
  INSTANCE_STALE_AFTER_MS: String(STALE_AFTER_MS),
};
const IN_FLIGHT = ['queued', 'initiated', 'ringing', 'answered'];

/** Destinations answered after at most 3 s of ringing that talk for 250 s or more (minutes of real time here). */
const longCalls = (count: number) => answeringDestinations(count, { firstNumber: 600, minTalkSecs: 250 });

describe('two gateway instances on one database', () => {
  let processes: GatewayProcesses;
  let prisma: PrismaClient;

  beforeAll(async () => {
    processes = await GatewayProcesses.open();
    prisma = processes.prisma;
  });
  afterAll(() => processes.close());

  const fundedTenant = (): Promise<TestTenant> => tenantWithDid(prisma, createGatewayPubSub(), { balanceCents: 50_000n });

  it('B never settles A’s live calls; after A is killed, B settles them once A’s heartbeat is stale', async () => {
    const [a, b] = await Promise.all([processes.start(ENV), processes.start(ENV)]);
    const t = await fundedTenant();
    const place = async (gw: GatewayProcess, to: string, timeoutSecs = 60) => {
      const r = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to, timeout_secs: timeoutSecs } });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const call = (id: string) => prisma.call.findUniqueOrThrow({ where: { id } });
    const [toA1, toA2, toB] = longCalls(3);
    const [onA1, onA2, ringingOnA, onB] = await Promise.all([place(a, toA1), place(a, toA2), place(a, '+15125553408', 600), place(b, toB)]);
    for (const id of [onA1, onA2, onB]) await until('an answer', async () => ((await call(id)).status === 'answered' ? true : undefined));
    await until('ringing', async () => ((await call(ringingOnA)).status === 'ringing' ? true : undefined));
    const owners = await prisma.call.findMany({ where: { id: { in: [onA1, onA2, ringingOnA, onB] } }, select: { id: true, carrierInstanceId: true } });
    const ownerOf = new Map(owners.map((o) => [o.id, o.carrierInstanceId]));
    expect(ownerOf.get(onA1)).toBe(ownerOf.get(ringingOnA));
    expect(ownerOf.get(onA1)).not.toBe(ownerOf.get(onB));
    expect(ownerOf.get(onA1)).toEqual(expect.any(String));

    // Longer than the staleness limit, many recovery runs of each: every call is still up, every hold frozen.
    const answers = await prisma.call.findMany({ where: { id: { in: [onA1, onA2] } }, select: { answeredAt: true } });
    const lastAnswer = Math.max(...answers.map((c) => c.answeredAt!.getTime()));
    await new Promise((r) => setTimeout(r, Math.max(3 * STALE_AFTER_MS, lastAnswer + 1500 - Date.now())));
    for (const id of [onA1, onA2, ringingOnA, onB]) expect(IN_FLIGHT).toContain((await call(id)).status);
    expect(await prisma.creditHold.count({ where: { tenantId: t.tenantId, status: 'active' } })).toBe(4);

    // A's call is A's to control: hung up through A, it ends normally, billed once.
    const hungUp = await rest(a.url, 'POST', `/v1/calls/${onA1}/actions/hangup`, { key: t.key });
    expect([hungUp.status, hungUp.body.status, hungUp.body.hangup_cause]).toEqual([200, 'completed', 'normal_clearing']);

    await a.kill();
    const settled = await until('B to settle A’s calls', async () => {
      const rows = await prisma.call.findMany({ where: { id: { in: [onA2, ringingOnA] } } });
      return rows.every((c) => !IN_FLIGHT.includes(c.status)) ? rows : undefined;
    });
    const byId = new Map(settled.map((c) => [c.id, c]));
    expect(byId.get(onA2)).toMatchObject({ status: 'completed', hangupCause: 'carrier_leg_lost', hangupSource: 'system' });
    expect(byId.get(ringingOnA)).toMatchObject({ status: 'failed', hangupCause: 'carrier_leg_lost', chargeCents: 0n });
    // Not before A's heartbeat was stale (database time on both sides), and billed no later than A was last seen.
    const aRow = await prisma.gatewayInstance.findUniqueOrThrow({ where: { id: ownerOf.get(onA2)! } });
    const hangups = await prisma.event.findMany({ where: { resourceId: { in: [onA2, ringingOnA] }, type: 'call.hangup' } });
    expect(hangups).toHaveLength(2);
    for (const e of hangups) expect(e.createdAt.getTime()).toBeGreaterThanOrEqual(aRow.heartbeatAt.getTime() + STALE_AFTER_MS);
    expect(byId.get(onA2)!.endedAt!.getTime()).toBeLessThanOrEqual(aRow.heartbeatAt.getTime());
    expect(byId.get(onA2)!.chargeCents! > 0n).toBe(true);

    // B's own call was never touched and is still B's to end.
    expect((await call(onB)).status).toBe('answered');
    const mine = await rest(b.url, 'POST', `/v1/calls/${onB}/actions/hangup`, { key: t.key });
    expect([mine.status, mine.body.status, mine.body.hangup_cause]).toEqual([200, 'completed', 'normal_clearing']);

    expect(await prisma.creditHold.count({ where: { tenantId: t.tenantId, status: 'active' } })).toBe(0);
    const charges = await prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: 'call_charge' } });
    expect(charges.map((c) => c.referenceId).sort()).toEqual([onA1, onA2, onB].sort());
    expect(await verifyLedger(prisma)).toEqual([]);
    await b.stop();
    expect(b.child.exitCode).toBe(0);
  }, 240_000);
});
