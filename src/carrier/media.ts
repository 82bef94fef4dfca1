import { CallLegs, LiveLeg } from './calls';
import { CarrierError } from './errors';
import { EventOutbox } from './events';
import { hash32 } from './random';
import { TimerSet } from './timers';
import { CallMediaCommand, CallMediaEvent, GatherEndReason, RecordingContent, RecordingStatus } from './types';
import { partialOf, simulatedUtterance } from './transcript';
import { simulatedRecordingWav } from './wav';

/**
 * What happens on an answered leg besides talking: recordings, media streams, transcription, digit gathering and
 * bridging two legs. Commands need an answered leg that has not ended (`call_leg_not_answered` /
 * `call_leg_ended` otherwise). A stopped recording is processed for RECORDING_PROCESSING_MS (simulated), then its
 * audio (a WAV, see wav.ts) becomes available and `recording.available` is published. A gather ends with the digits
 * the callee pressed (decided by the seed) or when the leg hangs up. A leg that hangs up stops everything on it.
 */

export interface MediaSettings {
  seed: string;
  timeScale: number;
}

export const RECORDING_PROCESSING_MS = 1500;
const DIGIT_INTERVAL_MS = 700;
/** A transcription hears a partial result, then the final text, of one utterance every this many ms (simulated). */
export const TRANSCRIPT_STEP_MS = 2000;

interface Recording {
  upstreamCallId: string;
  callRef: string;
  startedAt: Date;
  endedAt: Date | null;
  /** Processed: its audio can be fetched (made again on each fetch: the WAV depends only on seed, ref and length). */
  available: boolean;
}

interface Session {
  upstreamCallId: string;
  callRef: string;
  kind: 'stream' | 'transcription' | 'gather';
  timer?: NodeJS.Timeout;
}

export class CallMedia {
  private readonly recordings = new Map<string, Recording>();
  /** The recordings still running, so a leg's end looks at those and not at every recording ever made. */
  private readonly running = new Map<string, Recording>();
  private readonly sessions = new Map<string, Session>();
  private readonly bridges = new Map<string, string>();

  constructor(
    private readonly legs: CallLegs,
    private readonly timers: TimerSet,
    private readonly outbox: EventOutbox<CallMediaEvent>,
    private readonly settings: MediaSettings,
  ) {
    legs.whenLegEnds((upstreamCallId, at) => this.legEnded(upstreamCallId, at));
  }

  /** Runs a command on an answered leg. Idempotent per ref: repeating a start or a stop changes nothing. */
  control(upstreamCallId: string, command: CallMediaCommand): void {
    const leg = this.answeredLeg(upstreamCallId);
    switch (command.type) {
      case 'record_start':
        if (!this.recordings.has(command.ref)) {
          const rec: Recording = { upstreamCallId, callRef: leg.callRef, startedAt: leg.now, endedAt: null, available: false };
          this.recordings.set(command.ref, rec);
          this.running.set(command.ref, rec);
        }
        return;
      case 'record_stop': {
        const rec = this.recordings.get(command.ref);
        if (!rec || rec.upstreamCallId !== upstreamCallId) throw new CarrierError('order_not_found', `no recording ${command.ref} on ${upstreamCallId}`);
        this.finishRecording(command.ref, rec, leg.now);
        return;
      }
      case 'stream_start':
        if (!this.sessions.has(command.ref)) this.sessions.set(command.ref, { upstreamCallId, callRef: leg.callRef, kind: 'stream' });
        return;
      case 'transcription_start':
        if (!this.sessions.has(command.ref)) this.startTranscription(leg, command.ref);
        return;
      case 'stream_stop':
      case 'transcription_stop':
        this.endSession(command.ref);
        return;
      case 'gather':
        if (!this.sessions.has(command.ref)) this.startGather(leg, command);
        return;
      case 'bridge': {
        const other = this.answeredLeg(command.otherUpstreamCallId);
        this.bridges.set(leg.upstreamCallId, other.upstreamCallId);
        this.bridges.set(other.upstreamCallId, leg.upstreamCallId);
        return;
      }
    }
  }

  /** A recording's audio once processed; null while recording or processing, or for an unknown ref. */
  recordingContent(ref: string): RecordingContent | null {
    const rec = this.recordings.get(ref);
    if (!rec?.available || !rec.endedAt) return null;
    // Made on request rather than held: a long-running simulator would otherwise keep every recording's audio.
    const content = simulatedRecordingWav(this.settings.seed, ref, rec.endedAt.getTime() - rec.startedAt.getTime());
    return { contentType: 'audio/wav', content, startedAt: rec.startedAt, endedAt: rec.endedAt };
  }

  recordingStatus(ref: string): RecordingStatus | null {
    const rec = this.recordings.get(ref);
    if (!rec) return null;
    const state = rec.available ? 'available' : rec.endedAt ? 'processing' : 'recording';
    return { ref, state, startedAt: rec.startedAt, endedAt: rec.endedAt };
  }

  bridgedWith(upstreamCallId: string): string | null {
    return this.bridges.get(upstreamCallId) ?? null;
  }

  private answeredLeg(upstreamCallId: string): LiveLeg {
    const leg = this.legs.live(upstreamCallId);
    if (!leg) throw new CarrierError('order_not_found', `no call leg ${upstreamCallId}`);
    if (leg.ended) throw new CarrierError('call_leg_ended', `call leg ${upstreamCallId} has ended`);
    if (!leg.answered) throw new CarrierError('call_leg_not_answered', `call leg ${upstreamCallId} is not answered`);
    return leg;
  }

  private finishRecording(ref: string, rec: Recording, at: Date): void {
    if (rec.endedAt) return;
    rec.endedAt = at;
    this.running.delete(ref);
    this.timers.start(RECORDING_PROCESSING_MS * this.settings.timeScale, () => {
      rec.available = true;
      this.outbox.publish({
        id: `${ref}:recording.available`, type: 'recording.available', upstreamCallId: rec.upstreamCallId, callRef: rec.callRef, ref,
        startedAt: rec.startedAt, endedAt: rec.endedAt as Date, at: new Date((rec.endedAt as Date).getTime() + RECORDING_PROCESSING_MS),
      });
    });
  }

  private startGather(leg: LiveLeg, command: Extract<CallMediaCommand, { type: 'gather' }>): void {
    // The callee presses 1..maxDigits digits, one every DIGIT_INTERVAL_MS; fewer than asked ends on the
    // terminating digit when there is one, else on the timeout after the last digit.
    const h = hash32(this.settings.seed, 'gather', command.ref);
    const count = 1 + (h % command.maxDigits);
    const digits = Array.from({ length: count }, (_v, i) => String(hash32(this.settings.seed, 'digit', command.ref, i) % 10)).join('');
    const reason: GatherEndReason = count === command.maxDigits ? 'max_digits' : command.terminatingDigit ? 'terminating_digit' : 'timeout';
    const afterMs = count * DIGIT_INTERVAL_MS + (reason === 'timeout' ? command.timeoutSecs * 1000 : 0);
    const session: Session = { upstreamCallId: leg.upstreamCallId, callRef: leg.callRef, kind: 'gather' };
    session.timer = this.timers.start(afterMs * this.settings.timeScale, () => {
      this.sessions.delete(command.ref);
      this.publishGather(session, command.ref, digits, reason, new Date(leg.now.getTime() + afterMs));
    });
    this.sessions.set(command.ref, session);
  }

  private startTranscription(leg: LiveLeg, ref: string): void {
    const session: Session = { upstreamCallId: leg.upstreamCallId, callRef: leg.callRef, kind: 'transcription' };
    const startedAt = leg.now.getTime();
    // Step k: utterance floor(k / 2), its partial result on even steps, its final text on odd ones.
    const step = (k: number) => {
      session.timer = this.timers.start(TRANSCRIPT_STEP_MS * this.settings.timeScale, () => {
        if (this.sessions.get(ref) !== session) return;
        const utterance = Math.floor(k / 2);
        const isFinal = k % 2 === 1;
        const { speaker, text } = simulatedUtterance(this.settings.seed, ref, utterance);
        this.outbox.publish({
          id: `${ref}:transcription:${k}`, type: 'transcription', upstreamCallId: session.upstreamCallId, callRef: session.callRef, ref,
          text: isFinal ? text : partialOf(text), isFinal, speaker, utterance, at: new Date(startedAt + (k + 1) * TRANSCRIPT_STEP_MS),
        });
        step(k + 1);
      });
    };
    this.sessions.set(ref, session);
    step(0);
  }

  private endSession(ref: string): void {
    const session = this.sessions.get(ref);
    if (session?.timer) this.timers.cancel(session.timer);
    this.sessions.delete(ref);
  }

  private publishGather(session: Session, ref: string, digits: string, reason: GatherEndReason, at: Date): void {
    this.outbox.publish({ id: `${ref}:gather.ended`, type: 'gather.ended', upstreamCallId: session.upstreamCallId, callRef: session.callRef, ref, digits, reason, at });
  }

  private legEnded(upstreamCallId: string, at: Date): void {
    for (const [ref, rec] of [...this.running]) if (rec.upstreamCallId === upstreamCallId) this.finishRecording(ref, rec, at);
    for (const [ref, session] of this.sessions) {
      if (session.upstreamCallId !== upstreamCallId) continue;
      this.endSession(ref);
      if (session.kind === 'gather') this.publishGather(session, ref, '', 'call_hangup', at);
    }
    const other = this.bridges.get(upstreamCallId);
    if (other) {
      this.bridges.delete(upstreamCallId);
      this.bridges.delete(other);
    }
  }
}
