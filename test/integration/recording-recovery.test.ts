import { callAction } from '../../src/calls/calls.actions';
import { recoverCalls } from '../../src/calls/calls.recovery';
import { recoverRecordings } from '../../src/calls/calls.recording-recovery';
import { placeCall } from '../../src/calls/calls.service';
import { verifyLedger } from '../../src/billing/ledger.service';
import { CarrierSimulator } from '../../src/carrier';
import { ApiError } from '../../src/platform/errors';
import { ServiceDeps } from '../../src/platform/service-deps';
import { recordingAudio } from '../../src/recordings/recordings.service';
import { BaseDeps, callsActor as actorOf, FROM, SimulatedCarrier, SimulatedCarriers, waitFor } from '../helpers/call-services';

// A recording left `processing` because the carrier's "recording available" report never reached the gateway:
// the gateway (with its in-process carrier) died between the stop and the report, or the report failed to apply.
// Recovery asks the carrier again: it saves the audio the carrier still has, and fails what the carrier lost.

let carriers: SimulatedCarriers;
let base: BaseDeps;

beforeEach(async () => {
  carriers = await SimulatedCarriers.open({ poolSize: 10, seed: 'recording-recovery-test', settleMs: 200 });
  base = carriers.base;
});

afterEach(() => carriers.close());

/** A gateway's carrier wiring; `mediaReports: false` is a gateway that never hears the carrier's media reports. */
const gatewayWith = (opts: { timeScale: number; mediaReports?: boolean }): SimulatedCarrier => carriers.withCarrier({ timeScale: opts.timeScale, mediaReports: opts.mediaReports !== false });
const tenantWithDid = () => carriers.tenantWithDid();

let nextTo = 300;
async function answeredCall(g: { deps: ServiceDeps; sim: CarrierSimulator }, tenantId: string): Promise<string> {
  const to = `+1512555${String(nextTo++).padStart(4, '0')}`;
  g.sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
  const call = await placeCall(g.deps, actorOf(tenantId), { from: FROM, to });
  await waitFor(async () => (await base.prisma.call.findUniqueOrThrow({ where: { id: call.id } })).status === 'answered');
  return call.id;
}

const recordingEvents = async (callId: string) =>
  (await base.prisma.event.findMany({ where: { resourceId: callId, type: { startsWith: 'call.recording' } }, orderBy: { sequence: 'asc' } })).map((e) => e.type);

async function errorOf(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('recordings left processing', () => {
  it('the gateway died between record_stop and the carrier’s report: the lost recording fails, clearly and once', async () => {
    // The "crash" comes between record_stop and the carrier's report of the audio.
    const first = gatewayWith({ timeScale: 1 });
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(first, tenantId);
    // From here on the gateway hears nothing from its carrier, however slow the steps below: the report that would
    // save the recording never lands.
    first.stop();
    await callAction(first.deps, actorOf(tenantId), callId, 'record_start');
    await callAction(first.deps, actorOf(tenantId), callId, 'record_stop');
    const rec = await base.prisma.recording.findFirstOrThrow({ where: { callId } });
    expect(rec.status).toBe('processing');

    // The process dies with its carrier; the next one has a fresh simulator that never heard of this recording.
    first.sim.close();
    const second = gatewayWith({ timeScale: 1 });
    expect(await recoverCalls(second.deps, { graceMs: 0 })).toMatchObject({ settled: 1 });
    expect(await recoverRecordings(second.deps)).toEqual({ checked: 1, saved: 0, failed: 1 });

    const failed = await base.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } });
    expect([failed.status, failed.failureReason, failed.content]).toEqual(['failed', 'carrier_recording_lost', null]);
    const err = await errorOf(recordingAudio(second.deps, actorOf(tenantId), rec.id));
    expect([err.code, err.message]).toEqual(['recording_not_ready', 'The recording failed (carrier_recording_lost); it has no audio and never will']);
    expect(await recordingEvents(callId)).toEqual(['call.recording.started', 'call.recording.stopped', 'call.recording.failed']);
    const event = await base.prisma.event.findFirstOrThrow({ where: { resourceId: callId, type: 'call.recording.failed' } });
    expect(event.data).toMatchObject({ recording_id: rec.id, status: 'failed', failure_reason: 'carrier_recording_lost' });
    const audits = (await base.prisma.auditEntry.findMany({ where: { resourceId: rec.id }, orderBy: { createdAt: 'asc' } })).map((a) => a.action);
    expect(audits).toContain('recording.failed');

    // Again: nothing left to do, nothing announced twice.
    expect(await recoverRecordings(second.deps)).toEqual({ checked: 0, saved: 0, failed: 0 });
    expect(await recordingEvents(callId)).toHaveLength(3);
    expect(await verifyLedger(base.prisma)).toEqual([]);
  });

  it('a call still recording when the gateway died: recovery ends the call, then fails its recording', async () => {
    const first = gatewayWith({ timeScale: 0.01 });
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(first, tenantId);
    await callAction(first.deps, actorOf(tenantId), callId, 'record_start');
    first.stop();
    first.sim.close();
    const second = gatewayWith({ timeScale: 0.01 });
    await recoverCalls(second.deps, { graceMs: 0 });
    expect((await base.prisma.recording.findFirstOrThrow({ where: { callId } })).status).toBe('processing');
    expect(await recoverRecordings(second.deps)).toMatchObject({ failed: 1 });
    expect(await recordingEvents(callId)).toEqual(['call.recording.started', 'call.recording.stopped', 'call.recording.failed']);
  });

  it('the carrier’s report was lost but the carrier still has the audio: recovery fetches and saves it once', async () => {
    // This gateway never hears media reports, as if each had failed to apply. At time scale 2 the carrier takes
    // 3 s to process the recording: the first recovery finds it still processing.
    const g = gatewayWith({ timeScale: 2, mediaReports: false });
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(g, tenantId);
    await callAction(g.deps, actorOf(tenantId), callId, 'record_start');
    await new Promise((r) => setTimeout(r, 50));
    await callAction(g.deps, actorOf(tenantId), callId, 'record_stop');
    const rec = await base.prisma.recording.findFirstOrThrow({ where: { callId } });

    // While the carrier is still processing it, recovery leaves it alone.
    expect(await recoverRecordings(g.deps)).toEqual({ checked: 1, saved: 0, failed: 0 });
    await waitFor(async () => (await g.sim.recordingStatus(rec.id))?.state === 'available');
    expect((await base.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } })).status).toBe('processing');

    expect(await recoverRecordings(g.deps)).toEqual({ checked: 1, saved: 1, failed: 0 });
    const saved = await base.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } });
    const carrierCopy = await g.sim.recordingContent(rec.id);
    expect(saved.status).toBe('available');
    expect(Buffer.from(saved.content!).equals(carrierCopy!.content)).toBe(true);
    expect(saved.durationMs).toBe(carrierCopy!.endedAt.getTime() - carrierCopy!.startedAt.getTime());
    const audio = await recordingAudio(g.deps, actorOf(tenantId), rec.id);
    expect(audio.content.toString('ascii', 0, 4)).toBe('RIFF');
    expect(await recoverRecordings(g.deps)).toEqual({ checked: 0, saved: 0, failed: 0 });
    expect(await recordingEvents(callId)).toEqual(['call.recording.started', 'call.recording.stopped', 'call.recording.saved']);
  });

  it('a recording of another instance’s call is left to it while it runs, and failed once its heartbeat is stale', async () => {
    const first = gatewayWith({ timeScale: 0.01 });
    const tenantId = await tenantWithDid();
    const callId = await answeredCall(first, tenantId);
    await callAction(first.deps, actorOf(tenantId), callId, 'record_start');
    await callAction(first.deps, actorOf(tenantId), callId, 'hangup');
    const rec = await base.prisma.recording.findFirstOrThrow({ where: { callId } });
    // The first carrier's report is let land before the recording is put back to processing: a report still being
    // applied after first.stop() would otherwise save it behind the test's back.
    await waitFor(async () => (await base.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } })).status === 'available');
    first.stop();
    first.sim.close();
    // The call belongs to another instance, alive: this one's carrier never heard of the recording, yet leaves it.
    const other = await base.prisma.gatewayInstance.create({ data: { id: '00000000-0000-4000-8000-0000000000ee' } });
    await base.prisma.recording.update({ where: { id: rec.id }, data: { status: 'processing', availableAt: null } });
    await base.prisma.call.update({ where: { id: callId }, data: { carrierInstanceId: other.id } });
    const second = gatewayWith({ timeScale: 0.01 });
    const deps = { ...second.deps, carrierInstance: { id: '00000000-0000-4000-8000-0000000000ff', staleAfterMs: 60_000 } };
    expect(await recoverRecordings(deps)).toEqual({ checked: 0, saved: 0, failed: 0 });
    // Its heartbeat goes stale: the instance is gone, its carrier and the recording with it.
    await base.prisma.$executeRaw`UPDATE gateway_instances SET heartbeat_at = now() - interval '61 seconds' WHERE id = ${other.id}::uuid`;
    expect(await recoverRecordings(deps)).toEqual({ checked: 1, saved: 0, failed: 1 });
    expect(await base.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } })).toMatchObject({ status: 'failed', failureReason: 'carrier_recording_lost' });
  });
});
