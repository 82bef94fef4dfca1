import { verifyLedger } from '../../src/billing/ledger.service';
import { PrismaClient } from '../../src/platform/db/client';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { rest, TestTenant } from '../helpers/gateway';
import { GatewayProcesses, until } from '../helpers/gateway-process';
import { answeringDestinations, FROM, tenantWithDid } from '../helpers/simulated-calls';

// The whole gateway killed with SIGKILL while calls are up (answered and talking, or still ringing), then
// started again: the carrier legs died with the process (the simulator is in-process), so the restarted gateway's
// recovery ends every one of them, settles every hold once, and bills each answered call exactly once.

/** 60 simulated seconds play in 6 real ones: answers come within half a second, long talks outlive the test. */
const TIME_SCALE = '0.1';
const TERMINAL = ['completed', 'busy', 'no_answer', 'failed', 'canceled'];

/** Destinations answered within 3 s that talk for `minTalkSecs` to `maxTalkSecs`. */
const answeredNumbers = (count: number, minTalkSecs: number, maxTalkSecs = 300) => answeringDestinations(count, { firstNumber: 200, minTalkSecs, maxTalkSecs });

describe('a gateway killed with calls up', () => {
  let processes: GatewayProcesses;
  let prisma: PrismaClient;

  beforeAll(async () => {
    processes = await GatewayProcesses.open();
    prisma = processes.prisma;
  });
  afterAll(() => processes.close());

  const fundedTenant = (): Promise<TestTenant> => tenantWithDid(prisma, createGatewayPubSub(), { balanceCents: 50_000n });

  it('settles every call after the restart: terminal, no hold frozen, one charge per answered call, balance == ledger', async () => {
    // The restarted process is a new instance: it settles its predecessor's calls once that one's heartbeat is stale.
    const env = { CARRIER_TIME_SCALE: TIME_SCALE, CALL_RECOVERY_INTERVAL_MS: '500', INSTANCE_HEARTBEAT_INTERVAL_MS: '200', INSTANCE_STALE_AFTER_MS: '2000' };
    const first = await processes.start(env);
    const t = await fundedTenant();
    const place = async (to: string, extra: Record<string, unknown> = {}) => {
      const r = await rest(first.url, 'POST', '/v1/calls', { key: t.key, body: { from: FROM, to, ...extra } });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const statusOf = async (id: string) => (await prisma.call.findUniqueOrThrow({ where: { id } })).status;

    // Ended before the crash: billed once already, and must stay so.
    const [shortTo] = answeredNumbers(1, 15, 20);
    const ended = await place(shortTo, { timeout_secs: 60 });
    const busy = await place('+15125550486');
    await until('the short call to end', async () => ((await statusOf(ended)) === 'completed' ? true : undefined));
    // Up when the process dies: answered and talking for minutes, or ringing for ten.
    const talking = await Promise.all(answeredNumbers(3, 250).map((to) => place(to, { timeout_secs: 60 })));
    const ringing = await Promise.all(['+15125551408', '+15125552408'].map((to) => place(to, { timeout_secs: 600 })));
    for (const id of talking) await until('an answer', async () => ((await statusOf(id)) === 'answered' ? true : undefined));
    for (const id of ringing) await until('ringing', async () => ((await statusOf(id)) === 'ringing' ? true : undefined));
    // One of them is being recorded: its audio dies with the carrier.
    const recorded = await rest(first.url, 'POST', `/v1/calls/${talking[0]}/actions/record_start`, { key: t.key });
    expect(recorded.status).toBe(200);
    const recordingId = recorded.body.recordings[0].id as string;
    // The simulator stamps events on the network's clock (dial time + simulated offsets) while it plays them
    // faster: let the wall clock pass the answers, so the talk recovery bills is real time after them.
    const answers = await prisma.call.findMany({ where: { id: { in: talking } }, select: { answeredAt: true } });
    const lastAnswer = Math.max(...answers.map((c) => c.answeredAt!.getTime()));
    await new Promise((r) => setTimeout(r, Math.max(0, lastAnswer + 1500 - Date.now())));
    const before = await prisma.creditHold.count({ where: { tenantId: t.tenantId, status: 'active' } });
    expect(before).toBe(talking.length + ringing.length);

    await first.kill();
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await processes.start(env);
    const all = [ended, busy, ...talking, ...ringing];
    const calls = await until('every call to end', async () => {
      const rows = await prisma.call.findMany({ where: { id: { in: all } } });
      return rows.every((c) => TERMINAL.includes(c.status)) ? rows : undefined;
    });
    const byId = new Map(calls.map((c) => [c.id, c]));
    for (const id of talking) expect(byId.get(id)).toMatchObject({ status: 'completed', hangupCause: 'carrier_leg_lost', hangupSource: 'system' });
    for (const id of ringing) expect(byId.get(id)).toMatchObject({ status: 'failed', hangupCause: 'carrier_leg_lost', chargeCents: 0n });
    expect(byId.get(ended)).toMatchObject({ status: 'completed', hangupCause: 'normal_clearing' });
    expect(byId.get(busy)?.status).toBe('busy');

    // No hold frozen for any of them, and the tenant's held total agrees.
    const holds = await prisma.creditHold.findMany({ where: { tenantId: t.tenantId } });
    expect(holds.filter((h) => h.status === 'active')).toEqual([]);
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: t.tenantId } })).heldCents).toBe(0n);

    // Exactly one call_charge per answered call, for the amount the call row shows; none for the others.
    const charges = await prisma.ledgerEntry.findMany({ where: { tenantId: t.tenantId, kind: 'call_charge' } });
    const answered = [ended, ...talking];
    expect(charges.map((c) => c.referenceId).sort()).toEqual([...answered].sort());
    for (const c of charges) {
      const call = byId.get(c.referenceId as string)!;
      expect(call.chargeLedgerEntryId).toBe(c.id);
      expect(-c.amountCents).toBe(call.chargeCents);
      expect(call.chargeCents! > 0n).toBe(true);
    }
    // A lost leg is billed from its answer for no more than the estimate its hold was frozen for, and no later
    // than its instance was last seen running.
    const [dead] = await prisma.gatewayInstance.findMany({ where: { id: { in: calls.map((c) => c.carrierInstanceId!) } } });
    expect(new Set(calls.map((c) => c.carrierInstanceId))).toEqual(new Set([dead.id]));
    for (const id of talking) {
      const call = byId.get(id)!;
      expect(call.billableSeconds).toBeGreaterThan(0);
      expect(call.billableSeconds).toBeLessThanOrEqual(10 * 60);
      expect(call.endedAt!.getTime()).toBeLessThanOrEqual(Math.max(dead.heartbeatAt.getTime(), call.answeredAt!.getTime()));
    }
    expect(await verifyLedger(prisma)).toEqual([]);

    // The recording stopped with its call and, its carrier gone, failed rather than waiting for ever.
    const recording = await until('the recording to fail', async () => {
      const r = await rest(second.url, 'GET', `/v1/recordings/${recordingId}`, { key: t.key });
      return r.body.status === 'failed' ? r.body : undefined;
    });
    expect(recording).toMatchObject({ call_id: talking[0], failure_reason: 'carrier_recording_lost', download_url: null });
    const download = await rest(second.url, 'GET', `/v1/recordings/${recordingId}/download`, { key: t.key });
    expect([download.status, download.body.error.code]).toEqual([409, 'recording_not_ready']);

    // Recovery keeps running: nothing is settled twice.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await prisma.ledgerEntry.count({ where: { tenantId: t.tenantId, kind: 'call_charge' } })).toBe(answered.length);
    expect(await prisma.callTransition.count({ where: { callId: { in: all }, toStatus: { in: ['completed', 'failed', 'busy'] } } })).toBe(all.length);
    await second.stop();
    expect(second.child.exitCode).toBe(0);
  }, 240_000);
});
