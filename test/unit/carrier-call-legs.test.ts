import { createCarrierSimulator } from '../../src/carrier';
import { waitFor } from '../helpers/wait';

// Ended call legs are remembered for a while (status, and dial deduplication by callRef), then forgotten, so a
// simulator that runs for weeks does not keep every call it ever carried.

describe('carrier call legs after they end', () => {
  it('are remembered for the retention, then forgotten; live legs are counted as they come and go', async () => {
    const sim = createCarrierSimulator({ seed: 'legs', timeScale: 0.001, endedLegRetentionMs: 200 });
    try {
      sim.controls.scriptNextCall('+15125550911', { outcome: 'answered', ringSeconds: 1, talkSeconds: 36_000 });
      sim.controls.scriptNextCall('+15125550912', { outcome: 'answered', ringSeconds: 1, talkSeconds: 36_000 });
      const a = (await sim.dial({ callRef: 'leg-a', from: '+15125550100', to: '+15125550911', timeoutSecs: 30 })).upstreamCallId;
      const b = (await sim.dial({ callRef: 'leg-b', from: '+15125550100', to: '+15125550912', timeoutSecs: 30 })).upstreamCallId;
      expect(sim.controls.activeCalls()).toBe(2);
      await sim.hangupCall(a);
      expect(sim.controls.activeCalls()).toBe(1);
      // Within the retention: its status, and a repeated dial with its callRef is the same leg, not a new call.
      expect((await sim.callStatus(a))?.state).toBe('ended');
      expect((await sim.dial({ callRef: 'leg-a', from: '+15125550100', to: '+15125550911', timeoutSecs: 30 })).upstreamCallId).toBe(a);
      expect(sim.controls.activeCalls()).toBe(1);

      await new Promise((r) => setTimeout(r, 250));
      // The next leg to end forgets those ended longer ago than the retention.
      await sim.hangupCall(b);
      expect(await sim.callStatus(a)).toBeNull();
      expect((await sim.callStatus(b))?.state).toBe('ended');
      expect(sim.controls.activeCalls()).toBe(0);
    } finally {
      sim.close();
    }
  });

  it('by default are remembered for half an hour', async () => {
    const sim = createCarrierSimulator({ seed: 'legs', timeScale: 0.001 });
    try {
      sim.controls.scriptNextCall('+15125550913', { outcome: 'busy' });
      const c = (await sim.dial({ callRef: 'leg-c', from: '+15125550100', to: '+15125550913', timeoutSecs: 30 })).upstreamCallId;
      await waitFor(async () => (await sim.callStatus(c))?.state === 'ended');
      await new Promise((r) => setTimeout(r, 50));
      sim.controls.scriptNextCall('+15125550914', { outcome: 'busy' });
      const d = (await sim.dial({ callRef: 'leg-d', from: '+15125550100', to: '+15125550914', timeoutSecs: 30 })).upstreamCallId;
      await waitFor(async () => (await sim.callStatus(d))?.state === 'ended');
      expect((await sim.callStatus(c))?.state).toBe('ended');
    } finally {
      sim.close();
    }
  });

  it('refuses a negative retention', () => {
    expect(() => createCarrierSimulator({ endedLegRetentionMs: -1 })).toThrow(RangeError);
  });
});
