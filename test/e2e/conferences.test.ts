import { CarrierSimulator } from '../../src/carrier';
import { gql, rest, TestGateway, TestTenant } from '../helpers/gateway';
import { eventually, FROM, SimulatedCallsGateway, startSimulatedCallsGateway, tenantWithDid } from '../helpers/simulated-calls';
import { collect, wsClient } from '../helpers/ws';

// Conferences over real HTTP and WebSocket, the carrier simulator holding the rooms: every route and its codes,
// the state rules, the participant cap under a real race, hangups making participants leave, carrier failures
// changing nothing, and the conferenceChanged subscription staying within its tenant.

let rig: SimulatedCallsGateway;
let gw: TestGateway;
let sim: CarrierSimulator;

beforeEach(async () => {
  rig = await startSimulatedCallsGateway({ seed: 'conferences-e2e', timeScale: 0.01 });
  ({ gw, sim } = rig);
});

afterEach(() => rig.close());

const tenant = (did = FROM): Promise<TestTenant> => tenantWithDid(gw.prisma, gw.pubSub, { did, balanceCents: 10_000n });

/** A call the simulator answers at once and keeps up for an hour (simulated). */
async function answered(t: TestTenant, to: string, from = FROM): Promise<string> {
  sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 3600 });
  const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from, to } });
  expect(placed.status).toBe(201);
  await eventually(async () => (await gw.prisma.call.findUniqueOrThrow({ where: { id: placed.body.id } })).status === 'answered');
  return placed.body.id;
}

const post = (t: TestTenant, path: string, body?: unknown, headers?: Record<string, string>) => rest(gw.url, 'POST', `/v1${path}`, { key: t.key, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
const get = (t: TestTenant, path: string) => rest(gw.url, 'GET', `/v1${path}`, { key: t.key });
const act = (t: TestTenant, conf: string, participant: string, action: string) => post(t, `/conferences/${conf}/participants/${participant}/actions/${action}`);
const codeOf = (r: { status: number; body: any }) => [r.status, r.body?.error?.code];
const UNKNOWN = '00000000-0000-4000-8000-00000000dead';

describe('conferences over /v1', () => {
  it('create, read, list; add a call; mute, unmute, hold, unhold, kick with their state rules; end; every code', async () => {
    const t = await tenant();
    const created = await post(t, '/conferences', { name: 'standup', max_participants: 3, end_when_empty: false }, { 'Idempotency-Key': 'conf-1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'standup', status: 'active', max_participants: 3, end_when_empty: false, ended_at: null, end_reason: null, participants: [] });
    const conf = created.body.id;
    const replay = await post(t, '/conferences', { name: 'standup', max_participants: 3, end_when_empty: false }, { 'Idempotency-Key': 'conf-1' });
    expect([replay.status, replay.body.id, replay.headers.get('idempotent-replayed')]).toEqual([201, conf, 'true']);
    expect(await gw.prisma.conference.count()).toBe(1);
    // The carrier holds the room.
    expect(sim.controls.conference(conf)).toMatchObject({ closed: false, members: [] });

    const defaults = await post(t, '/conferences');
    expect(defaults.body).toMatchObject({ name: null, max_participants: 10, end_when_empty: true });
    expect(codeOf(await post(t, '/conferences', { max_participants: 1 }))).toEqual([400, 'invalid_request']);
    expect(codeOf(await post(t, '/conferences', { max_participants: 101 }))).toEqual([400, 'invalid_request']);
    expect(codeOf(await post(t, '/conferences', { name: 'x'.repeat(101) }))).toEqual([400, 'invalid_request']);

    const list = await get(t, '/conferences?limit=1');
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([defaults.body.id]);
    const next = await get(t, `/conferences?limit=1&cursor=${list.body.meta.next_cursor}`);
    expect(next.body.data.map((c: { id: string }) => c.id)).toEqual([conf]);
    expect((await get(t, '/conferences?status=ended')).body.data).toEqual([]);
    expect(codeOf(await get(t, `/conferences/${UNKNOWN}`))).toEqual([404, 'conference_not_found']);
    expect(codeOf(await get(t, '/conferences/not-a-uuid'))).toEqual([404, 'conference_not_found']);

    const callA = await answered(t, '+15125550701');
    const joined = await post(t, `/conferences/${conf}/participants`, { call_id: callA });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ conference_id: conf, call_id: callA, status: 'joined', muted: false, on_hold: false, left_at: null, leave_reason: null });
    const pA = joined.body.id;
    const upstreamA = (await gw.prisma.call.findUniqueOrThrow({ where: { id: callA } })).upstreamCallId;
    expect(sim.controls.conference(conf)?.members).toEqual([{ upstreamCallId: upstreamA, muted: false, onHold: false }]);

    // The call's own rules: the tenant's, answered, in no other conference; and not twice in this one.
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, { call_id: callA }))).toEqual([409, 'conference_action_invalid']);
    expect(codeOf(await post(t, `/conferences/${defaults.body.id}/participants`, { call_id: callA }))).toEqual([409, 'call_not_in_required_state']);
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, { call_id: UNKNOWN }))).toEqual([404, 'not_found']);
    expect(codeOf(await post(t, `/conferences/${UNKNOWN}/participants`, { call_id: callA }))).toEqual([404, 'conference_not_found']);
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, {}))).toEqual([400, 'invalid_request']);
    sim.controls.scriptNextCall('+15125550702', { outcome: 'answered', ringSeconds: 3000, talkSeconds: 60 });
    const ringing = await post(t, '/calls', { from: FROM, to: '+15125550702', timeout_secs: 600 });
    await eventually(async () => (await gw.prisma.call.findUniqueOrThrow({ where: { id: ringing.body.id } })).status === 'ringing');
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, { call_id: ringing.body.id }))).toEqual([409, 'call_not_in_required_state']);
    expect((await post(t, `/calls/${ringing.body.id}/actions/hangup`)).body.status).toBe('canceled');
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, { call_id: ringing.body.id }))).toEqual([409, 'call_already_ended']);

    // Mute / hold, each refused when already in the state it sets; the carrier's room follows.
    const muted = await act(t, conf, pA, 'mute');
    expect([muted.status, muted.body.muted, muted.body.on_hold]).toEqual([200, true, false]);
    expect(codeOf(await act(t, conf, pA, 'mute'))).toEqual([409, 'conference_action_invalid']);
    expect((await act(t, conf, pA, 'hold')).body).toMatchObject({ muted: true, on_hold: true });
    expect(sim.controls.conference(conf)?.members).toEqual([{ upstreamCallId: upstreamA, muted: true, onHold: true }]);
    expect(codeOf(await act(t, conf, pA, 'hold'))).toEqual([409, 'conference_action_invalid']);
    expect((await act(t, conf, pA, 'unmute')).body).toMatchObject({ muted: false, on_hold: true });
    expect(codeOf(await act(t, conf, pA, 'unmute'))).toEqual([409, 'conference_action_invalid']);
    expect((await act(t, conf, pA, 'unhold')).body).toMatchObject({ muted: false, on_hold: false });
    expect(codeOf(await act(t, conf, pA, 'unhold'))).toEqual([409, 'conference_action_invalid']);
    expect(sim.controls.conference(conf)?.members).toEqual([{ upstreamCallId: upstreamA, muted: false, onHold: false }]);
    expect(codeOf(await act(t, conf, UNKNOWN, 'mute'))).toEqual([404, 'participant_not_found']);
    expect(codeOf(await act(t, defaults.body.id, pA, 'mute'))).toEqual([404, 'participant_not_found']);
    expect(codeOf(await act(t, UNKNOWN, pA, 'mute'))).toEqual([404, 'conference_not_found']);

    // Kick: it leaves, its call stays up; nothing more can be done to it. It may join again (a new stay).
    const kicked = await act(t, conf, pA, 'kick');
    expect(kicked.body).toMatchObject({ status: 'left', leave_reason: 'kicked' });
    expect((await get(t, `/calls/${callA}`)).body.status).toBe('answered');
    expect(sim.controls.conference(conf)).toMatchObject({ closed: false, members: [] });
    for (const action of ['mute', 'unmute', 'hold', 'unhold', 'kick']) expect([action, ...codeOf(await act(t, conf, pA, action))]).toEqual([action, 409, 'conference_action_invalid']);
    const again = await post(t, `/conferences/${conf}/participants`, { call_id: callA, muted: true });
    expect(again.body).toMatchObject({ status: 'joined', muted: true });
    expect(again.body.id).not.toBe(pA);

    const callB = await answered(t, '+15125550703');
    const pB = (await post(t, `/conferences/${conf}/participants`, { call_id: callB })).body.id;
    const participants = await get(t, `/conferences/${conf}/participants`);
    expect(participants.body.data.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([[pA, 'left'], [again.body.id, 'joined'], [pB, 'joined']]);
    expect(participants.body.meta).toEqual({ next_cursor: null });
    expect((await get(t, `/conferences/${conf}/participants?status=joined`)).body.data).toHaveLength(2);
    expect(codeOf(await get(t, `/conferences/${UNKNOWN}/participants`))).toEqual([404, 'conference_not_found']);

    // End: everyone leaves (their calls stay up), then nothing more is possible.
    const ended = await post(t, `/conferences/${conf}/actions/end`);
    expect(ended.body).toMatchObject({ status: 'ended', end_reason: 'requested' });
    expect(ended.body.participants.map((p: { status: string; leave_reason: string }) => [p.status, p.leave_reason])).toEqual([['left', 'kicked'], ['left', 'conference_ended'], ['left', 'conference_ended']]);
    expect(sim.controls.conference(conf)).toMatchObject({ closed: true, members: [] });
    expect((await get(t, `/calls/${callB}`)).body.status).toBe('answered');
    expect(codeOf(await post(t, `/conferences/${conf}/actions/end`))).toEqual([409, 'conference_action_invalid']);
    expect(codeOf(await act(t, conf, pB, 'mute'))).toEqual([409, 'conference_action_invalid']);
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, { call_id: callB }))).toEqual([409, 'conference_action_invalid']);
    expect(codeOf(await post(t, `/conferences/${UNKNOWN}/actions/end`))).toEqual([404, 'conference_not_found']);
    expect((await get(t, '/conferences?status=ended')).body.data.map((c: { id: string }) => c.id)).toEqual([conf]);

    // Every change is one event of the conference, in commit order.
    const events = await gw.prisma.event.findMany({ where: { resourceType: 'conference', resourceId: conf }, orderBy: { sequence: 'asc' } });
    expect(events.map((e) => e.type)).toEqual([
      'conference.created',
      'conference.participant.joined',
      ...Array(4).fill('conference.participant.updated'),
      'conference.participant.left',
      'conference.participant.joined',
      'conference.participant.joined',
      'conference.participant.left',
      'conference.participant.left',
      'conference.ended',
    ]);
    expect(events.map((e) => Number(e.sequence))).toEqual(events.map((_e, i) => i + 1));
    expect(events[1].data).toMatchObject({ id: conf, status: 'active', participant: { id: pA, call_id: callA, status: 'joined' } });

    // Another tenant: every route answers as for an unknown conference.
    const stranger = await tenant('+15125550101');
    expect(codeOf(await get(stranger, `/conferences/${conf}`))).toEqual([404, 'conference_not_found']);
    expect(codeOf(await get(stranger, `/conferences/${conf}/participants`))).toEqual([404, 'conference_not_found']);
    expect(codeOf(await act(stranger, conf, pB, 'mute'))).toEqual([404, 'conference_not_found']);
    const theirs = (await post(stranger, '/conferences')).body.id;
    expect(codeOf(await post(stranger, `/conferences/${theirs}/participants`, { call_id: callB }))).toEqual([404, 'not_found']);
    expect((await get(stranger, '/conferences')).body.data.map((c: { id: string }) => c.id)).toEqual([theirs]);
  });

  it('409 conference_full at max_participants; a hangup makes its participant leave; an end_when_empty conference ends with its last participant', async () => {
    const t = await tenant();
    const conf = (await post(t, '/conferences', { max_participants: 2 })).body.id;
    const [a, b, c] = [await answered(t, '+15125550711'), await answered(t, '+15125550712'), await answered(t, '+15125550713')];
    const pa = (await post(t, `/conferences/${conf}/participants`, { call_id: a })).body.id;
    expect((await post(t, `/conferences/${conf}/participants`, { call_id: b })).status).toBe(201);
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, { call_id: c }))).toEqual([409, 'conference_full']);
    expect(await gw.prisma.conferenceParticipant.count({ where: { callId: c } })).toBe(0);

    // a hangs up: it leaves in the hangup's transaction, and c now fits.
    expect((await post(t, `/calls/${a}/actions/hangup`)).body.status).toBe('completed');
    expect((await get(t, `/conferences/${conf}/participants`)).body.data[0]).toMatchObject({ id: pa, status: 'left', leave_reason: 'hangup' });
    expect(codeOf(await act(t, conf, pa, 'mute'))).toEqual([409, 'conference_action_invalid']);
    expect((await post(t, `/conferences/${conf}/participants`, { call_id: c })).status).toBe(201);

    // b, then c leave: the conference ends with the last one, on the carrier too.
    await post(t, `/calls/${b}/actions/hangup`);
    expect((await get(t, `/conferences/${conf}`)).body.status).toBe('active');
    const pc = (await get(t, `/conferences/${conf}/participants?status=joined`)).body.data[0].id;
    const lastKick = await act(t, conf, pc, 'kick');
    expect(lastKick.body).toMatchObject({ status: 'left', leave_reason: 'kicked' });
    expect((await get(t, `/conferences/${conf}`)).body).toMatchObject({ status: 'ended', end_reason: 'last_participant_left' });
    expect(sim.controls.conference(conf)?.closed).toBe(true);
    const types = (await gw.prisma.event.findMany({ where: { resourceId: conf }, orderBy: { sequence: 'asc' } })).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['conference.participant.left', 'conference.ended']);

    // Without end_when_empty, a conference whose last participant hung up stays open.
    const open = (await post(t, '/conferences', { end_when_empty: false })).body.id;
    await post(t, `/conferences/${open}/participants`, { call_id: c });
    await post(t, `/calls/${c}/actions/hangup`);
    expect((await get(t, `/conferences/${open}`)).body).toMatchObject({ status: 'active', participants: [expect.objectContaining({ status: 'left', leave_reason: 'hangup' })] });
  });

  it('N + k concurrent adds to a conference capped at N leave exactly N participants', async () => {
    const t = await tenant();
    const cap = 3;
    const conf = (await post(t, '/conferences', { max_participants: cap })).body.id;
    const calls = await Promise.all(Array.from({ length: cap + 5 }, (_v, i) => answered(t, `+1512555072${i}`)));
    const results = await Promise.all(calls.map((id) => post(t, `/conferences/${conf}/participants`, { call_id: id })));
    expect(results.map((r) => r.status).sort()).toEqual([...Array(cap).fill(201), ...Array(5).fill(409)]);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(5).fill('conference_full'));
    expect(await gw.prisma.conferenceParticipant.count({ where: { conferenceId: conf, status: 'joined' } })).toBe(cap);
    expect(sim.controls.conference(conf)?.members).toHaveLength(cap);
    expect(await gw.prisma.event.count({ where: { resourceId: conf, type: 'conference.participant.joined' } })).toBe(cap);
  });

  it('a carrier failure is 502 upstream_error and changes nothing', async () => {
    const t = await tenant();
    sim.controls.failNextCalls(1, 'controlConference');
    expect(codeOf(await post(t, '/conferences'))).toEqual([502, 'upstream_error']);
    expect(await gw.prisma.conference.count()).toBe(0);
    expect(await gw.prisma.event.count({ where: { resourceType: 'conference' } })).toBe(0);

    const conf = (await post(t, '/conferences')).body.id;
    const call = await answered(t, '+15125550731');
    sim.controls.failNextCalls(1, 'controlConference');
    expect(codeOf(await post(t, `/conferences/${conf}/participants`, { call_id: call }))).toEqual([502, 'upstream_error']);
    expect(await gw.prisma.conferenceParticipant.count()).toBe(0);
    const p = (await post(t, `/conferences/${conf}/participants`, { call_id: call })).body.id;
    for (const action of ['mute', 'hold', 'kick']) {
      sim.controls.failNextCalls(1, 'controlConference');
      expect([action, ...codeOf(await act(t, conf, p, action))]).toEqual([action, 502, 'upstream_error']);
    }
    sim.controls.failNextCalls(1, 'controlConference');
    expect(codeOf(await post(t, `/conferences/${conf}/actions/end`))).toEqual([502, 'upstream_error']);
    expect((await get(t, `/conferences/${conf}`)).body).toMatchObject({ status: 'active', participants: [expect.objectContaining({ id: p, status: 'joined', muted: false, on_hold: false })] });
    expect((await gw.prisma.event.findMany({ where: { resourceId: conf } })).map((e) => e.type).sort()).toEqual(['conference.created', 'conference.participant.joined']);
  });
});

describe('conferences over GraphQL', () => {
  const FIELDS = 'id name status maxParticipants endWhenEmpty endedAt endReason participants { id status muted onHold leaveReason call { id status from } }';

  it('the same operations and codes as /v1, with participants and their calls nested', async () => {
    const t = await tenant();
    const q = (query: string, variables?: Record<string, unknown>) => gql(gw.url, query, { key: t.key, variables });
    const codeOfGql = (r: { body: any }) => r.body.errors?.[0]?.extensions?.code;
    const created = await q(`mutation { createConference(input: { name: "gq", maxParticipants: 2 }) { ${FIELDS} } }`);
    const conf = created.body.data.createConference;
    expect(conf).toMatchObject({ name: 'gq', status: 'active', maxParticipants: 2, endWhenEmpty: true, participants: [] });
    const call = await answered(t, '+15125550741');
    const added = await q('mutation($c: ID!, $call: ID!) { addConferenceParticipant(conferenceId: $c, input: { callId: $call }) { id status call { id status } } }', { c: conf.id, call });
    const pid = added.body.data.addConferenceParticipant.id;
    expect(added.body.data.addConferenceParticipant).toMatchObject({ status: 'joined', call: { id: call, status: 'answered' } });
    for (const m of ['muteConferenceParticipant', 'holdConferenceParticipant', 'unholdConferenceParticipant', 'unmuteConferenceParticipant']) {
      const r = await q(`mutation($c: ID!, $p: ID!) { ${m}(conferenceId: $c, participantId: $p) { muted onHold } }`, { c: conf.id, p: pid });
      expect([m, r.body.errors]).toEqual([m, undefined]);
    }
    const twice = await q('mutation($c: ID!, $p: ID!) { unmuteConferenceParticipant(conferenceId: $c, participantId: $p) { id } }', { c: conf.id, p: pid });
    expect(codeOfGql(twice)).toBe('conference_action_invalid');
    expect(codeOfGql(await q('mutation($c: ID!, $p: ID!) { muteConferenceParticipant(conferenceId: $c, participantId: $p) { id } }', { c: conf.id, p: UNKNOWN }))).toBe('participant_not_found');
    expect(codeOfGql(await q('query($c: ID!) { conference(id: $c) { id } }', { c: UNKNOWN }))).toBe('conference_not_found');

    const read = await q(`query($c: ID!) { conference(id: $c) { ${FIELDS} } conferences(first: 10) { nodes { id } pageInfo { hasNextPage } } conferenceParticipants(conferenceId: $c) { id } }`, { c: conf.id });
    expect(read.body.data.conference.participants).toEqual([{ id: pid, status: 'joined', muted: false, onHold: false, leaveReason: null, call: { id: call, status: 'answered', from: FROM } }]);
    expect(read.body.data.conferences).toEqual({ nodes: [{ id: conf.id }], pageInfo: { hasNextPage: false } });
    expect(read.body.data.conferenceParticipants).toEqual([{ id: pid }]);

    const kicked = await q('mutation($c: ID!, $p: ID!) { kickConferenceParticipant(conferenceId: $c, participantId: $p) { status leaveReason } }', { c: conf.id, p: pid });
    expect(kicked.body.data.kickConferenceParticipant).toEqual({ status: 'left', leaveReason: 'kicked' });
    // The last one left an end_when_empty conference: it ended, and ending it again is refused.
    expect(codeOfGql(await q('mutation($c: ID!) { endConference(id: $c) { id } }', { c: conf.id }))).toBe('conference_action_invalid');
    const open = (await q('mutation { createConference(input: { endWhenEmpty: false }) { id } }')).body.data.createConference.id;
    const ended = await q('mutation($c: ID!) { endConference(id: $c) { status endReason } }', { c: open });
    expect(ended.body.data.endConference).toEqual({ status: 'ended', endReason: 'requested' });
  });

  it('a list of conferences resolves participants and their calls in a constant number of SQL statements', async () => {
    const t = await tenant();
    const calls = await Promise.all(Array.from({ length: 4 }, (_v, i) => answered(t, `+1512555075${i}`)));
    for (const call of calls) {
      const conf = (await post(t, '/conferences')).body.id;
      await post(t, `/conferences/${conf}/participants`, { call_id: call });
    }
    gw.statements.length = 0;
    const r = await gql(gw.url, 'query { conferences(first: 50) { nodes { id participants { id call { id status } } } } }', { key: t.key });
    expect(r.body.data.conferences.nodes.map((c: any) => c.participants[0].call.id).sort()).toEqual([...calls].sort());
    const reads = gw.statements.filter((s) => /^\s*SELECT/i.test(s) && /conference|calls/.test(s));
    // One for the page, one for every participant, one for every call.
    expect(reads.length).toBeLessThanOrEqual(4);
  });

  it('conferenceChanged: a subscriber sees its own tenant’s conference changes, in order, and none of another’s', async () => {
    const a = await tenant();
    const b = await tenant('+15125550101');
    const client = wsClient(gw.wsUrl, { Authorization: `Bearer ${a.key}` });
    type Change = { eventId: string; eventType: string; sequence: number; committedAt: string; conference: { id: string; status: string }; participant: { id: string; muted: boolean } | null };
    const all = collect<{ data: { conferenceChanged: Change } }>(client, 'subscription { conferenceChanged { eventId eventType sequence occurredAt committedAt conference { id status } participant { id muted } } }', 4, 15_000);
    await gw.untilSubscribed('CONFERENCE_CHANGED', a.tenantId);
    // Another tenant's conference changes first: had any leaked, they would lead the list.
    const theirs = (await post(b, '/conferences')).body.id;
    const theirCall = await answered(b, '+15125550761', '+15125550101');
    await post(b, `/conferences/${theirs}/participants`, { call_id: theirCall });
    await post(b, `/conferences/${theirs}/actions/end`);

    const ours = (await post(a, '/conferences', { end_when_empty: false })).body.id;
    const one = collect<{ data: { conferenceChanged: Change } }>(client, `subscription { conferenceChanged(id: "${ours}") { eventType sequence conference { id } } }`, 3, 15_000);
    await gw.untilSubscribed('CONFERENCE_CHANGED', a.tenantId, 2);
    const other = (await post(a, '/conferences')).body.id;
    const call = await answered(a, '+15125550762');
    const p = (await post(a, `/conferences/${ours}/participants`, { call_id: call })).body.id;
    await act(a, ours, p, 'mute');
    await post(a, `/conferences/${ours}/actions/end`);

    // collect() hands over its live array: an event already on the wire when it stopped may still be appended.
    const seen = (await all.done).slice(0, 4).map((e) => e.data.conferenceChanged);
    expect(seen.map((e) => [e.eventType, e.conference.id, e.participant?.id ?? null])).toEqual([
      ['conference.created', ours, null],
      ['conference.created', other, null],
      ['conference.participant.joined', ours, p],
      ['conference.participant.updated', ours, p],
    ]);
    expect(seen[3].participant?.muted).toBe(true);
    // Stamped once the change committed: after its event row was written, before it reached the subscriber.
    for (const e of seen) {
      const row = await gw.prisma.event.findUniqueOrThrow({ where: { id: e.eventId } });
      expect(new Date(e.committedAt).getTime()).toBeGreaterThanOrEqual(row.createdAt.getTime());
      expect(new Date(e.committedAt).getTime()).toBeLessThanOrEqual(Date.now());
    }
    const only = (await one.done).slice(0, 3).map((e) => e.data.conferenceChanged);
    expect(only.map((e) => [e.eventType, e.sequence, e.conference.id])).toEqual([
      ['conference.participant.joined', 2, ours],
      ['conference.participant.updated', 3, ours],
      ['conference.participant.left', 4, ours],
    ]);
    await client.dispose();
  });
});
