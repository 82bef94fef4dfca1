import { CarrierSimulator, createCarrierSimulator } from '../../src/carrier';
import { WAV_SAMPLE_RATE } from '../../src/carrier/wav';
import { waitFor } from '../helpers/wait';

// The simulator's recordings: a leg's hangup ends only its own, a processed one's audio is a WAV as long as the
// recording, and the same bytes every time it is fetched (made from seed, ref and length, not held in memory).

describe('carrier recordings', () => {
  let sim: CarrierSimulator;
  beforeEach(() => {
    sim = createCarrierSimulator({ seed: 'recordings', timeScale: 0.001 });
  });
  afterEach(() => sim.close());

  async function answeredLeg(to: string): Promise<string> {
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 36_000 });
    const { upstreamCallId } = await sim.dial({ callRef: `ref-${to}`, from: '+15125550100', to, timeoutSecs: 30 });
    await waitFor(async () => (await sim.callStatus(upstreamCallId))?.state === 'answered');
    return upstreamCallId;
  }

  it('a hangup ends the leg’s own recording only; its audio is a WAV of its length, the same on every fetch', async () => {
    const a = await answeredLeg('+15125550901');
    const b = await answeredLeg('+15125550902');
    await sim.controlCall(a, { type: 'record_start', ref: 'rec-a', channels: 'single' });
    await sim.controlCall(b, { type: 'record_start', ref: 'rec-b', channels: 'single' });
    await new Promise((r) => setTimeout(r, 20));
    await sim.hangupCall(a);
    expect((await sim.recordingStatus('rec-a'))?.state).toMatch(/^(processing|available)$/);
    expect((await sim.recordingStatus('rec-b'))?.state).toBe('recording');

    await waitFor(async () => (await sim.recordingStatus('rec-a'))?.state === 'available');
    const first = await sim.recordingContent('rec-a');
    const again = await sim.recordingContent('rec-a');
    expect(first).not.toBeNull();
    const durationMs = first!.endedAt.getTime() - first!.startedAt.getTime();
    expect(durationMs).toBeGreaterThan(0);
    const samples = Math.round((durationMs * WAV_SAMPLE_RATE) / 1000);
    expect(first!.content.length).toBe(44 + samples + (samples % 2));
    expect(first!.content.toString('ascii', 0, 4)).toBe('RIFF');
    expect(again!.content.equals(first!.content)).toBe(true);
    expect(await sim.recordingContent('rec-b')).toBeNull(); // still recording
  });
});
