import { CarrierError, CarrierSimulator, createCarrierSimulator } from '../../src/carrier';

// The simulator's conference rooms: idempotent commands, members' mute and hold, legs leaving when they hang up,
// rooms closing by their end-when-empty rule, and the errors the gateway maps.

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof CarrierError)) throw new Error(`expected a CarrierError, got ${String(error)}`);
  return error.code;
}

describe('carrier conference rooms', () => {
  let sim: CarrierSimulator;
  beforeEach(() => {
    sim = createCarrierSimulator({ seed: 'rooms', timeScale: 0.001 });
  });
  afterEach(() => sim.close());

  async function answeredLeg(to: string, talkSeconds = 3600): Promise<string> {
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds });
    const { upstreamCallId } = await sim.dial({ callRef: `ref-${to}`, from: '+15125550100', to, timeoutSecs: 30 });
    for (let i = 0; i < 200 && (await sim.callStatus(upstreamCallId))?.state !== 'answered'; i++) await new Promise((r) => setTimeout(r, 5));
    return upstreamCallId;
  }

  it('opens a room once per ref (same id for the same seed), joins, mutes, holds and kicks idempotently', async () => {
    const first = await sim.controlConference('room-1', { type: 'create', endWhenEmpty: false });
    expect(await sim.controlConference('room-1', { type: 'create', endWhenEmpty: false })).toEqual(first);
    const twin = createCarrierSimulator({ seed: 'rooms' });
    expect(await twin.controlConference('room-1', { type: 'create', endWhenEmpty: false })).toEqual(first);
    twin.close();
    const leg = await answeredLeg('+15125550801');
    await sim.controlConference('room-1', { type: 'join', upstreamCallId: leg, muted: false, onHold: false });
    await sim.controlConference('room-1', { type: 'join', upstreamCallId: leg, muted: true, onHold: false });
    expect(sim.controls.conference('room-1')?.members).toEqual([{ upstreamCallId: leg, muted: false, onHold: false }]);
    await sim.controlConference('room-1', { type: 'update', upstreamCallId: leg, muted: true });
    await sim.controlConference('room-1', { type: 'update', upstreamCallId: leg, onHold: true });
    expect(sim.controls.conference('room-1')?.members).toEqual([{ upstreamCallId: leg, muted: true, onHold: true }]);
    await sim.controlConference('room-1', { type: 'kick', upstreamCallId: leg });
    await sim.controlConference('room-1', { type: 'kick', upstreamCallId: leg });
    expect(sim.controls.conference('room-1')).toMatchObject({ closed: false, members: [] });
    expect(await codeOf(sim.controlConference('room-1', { type: 'update', upstreamCallId: leg, muted: false }))).toBe('conference_member_absent');
    await sim.controlConference('room-1', { type: 'end' });
    await sim.controlConference('room-1', { type: 'end' });
    expect(await codeOf(sim.controlConference('room-1', { type: 'join', upstreamCallId: leg, muted: false, onHold: false }))).toBe('conference_closed');
    expect(await codeOf(sim.controlConference('never-opened', { type: 'end' }))).toBe('order_not_found');
  });

  it('a leg that hangs up leaves; an end-when-empty room closes with its last member; unanswered and ended legs cannot join', async () => {
    await sim.controlConference('room-2', { type: 'create', endWhenEmpty: true });
    const a = await answeredLeg('+15125550802');
    const b = await answeredLeg('+15125550803');
    for (const leg of [a, b]) await sim.controlConference('room-2', { type: 'join', upstreamCallId: leg, muted: false, onHold: false });
    await sim.hangupCall(a);
    expect(sim.controls.conference('room-2')).toMatchObject({ closed: false, members: [{ upstreamCallId: b }] });
    expect(await codeOf(sim.controlConference('room-2', { type: 'join', upstreamCallId: a, muted: false, onHold: false }))).toBe('call_leg_ended');
    sim.controls.scriptNextCall('+15125550804', { outcome: 'answered', ringSeconds: 3000 });
    const ringing = (await sim.dial({ callRef: 'ringing', from: '+15125550100', to: '+15125550804', timeoutSecs: 600 })).upstreamCallId;
    expect(await codeOf(sim.controlConference('room-2', { type: 'join', upstreamCallId: ringing, muted: false, onHold: false }))).toBe('call_leg_not_answered');
    await sim.controlConference('room-2', { type: 'kick', upstreamCallId: b });
    expect(sim.controls.conference('room-2')).toMatchObject({ closed: true, members: [] });
  });

  it('fails with upstream_error on demand, changing nothing', async () => {
    sim.controls.failNextCalls(1, 'controlConference');
    expect(await codeOf(sim.controlConference('room-3', { type: 'create', endWhenEmpty: true }))).toBe('upstream_error');
    expect(sim.controls.conference('room-3')).toBeNull();
  });
});
