// What the calls domain needs from the upstream carrier, and nothing more. The simulator in src/carrier (or a real
// carrier) is adapted to this port where the app is composed (carrier-adapter.ts), so the domain never imports it.

export type CallLegOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'canceled';

export interface CallLegEvent {
  /** Unique per (leg, type). */
  id: string;
  type: 'call.initiated' | 'call.ringing' | 'call.answered' | 'call.machine_detection.ended' | 'call.hangup';
  upstreamCallId: string;
  /** The gateway's call id, given to `dial`. */
  callRef: string;
  /** When it happened on the network (the carrier's clock): rating reads answer and hangup from here. */
  at: Date;
  /** call.hangup only. */
  outcome?: CallLegOutcome;
  hangupCause?: string;
  hangupSource?: string;
  /** call.machine_detection.ended only. */
  amdResult?: 'human' | 'machine';
}

export interface CallLeg {
  upstreamCallId: string;
  state: 'dialing' | 'initiated' | 'ringing' | 'answered' | 'ended';
  answeredAt: Date | null;
  endedAt: Date | null;
  outcome: CallLegOutcome | null;
  hangupCause: string | null;
}

export interface CallCarrier {
  /** Dials; idempotent per callRef. Throws ApiError upstream_error when the carrier fails or cannot be reached. */
  dial(req: { callRef: string; from: string; to: string; timeoutSecs: number; answeringMachineDetection?: 'disabled' | 'detect' | 'detect_beep' }): Promise<{ upstreamCallId: string }>;
  /** Hangs the leg up and answers its hangup event. Throws ApiError upstream_error when the carrier fails. */
  hangup(upstreamCallId: string): Promise<CallLegEvent>;
  /** The carrier's view of a leg; null when the carrier has no such leg any more (lost with a restart). */
  leg(upstreamCallId: string): Promise<CallLeg | null>;
  onCallEvent(listener: (event: CallLegEvent) => void | Promise<void>): () => void;
}
