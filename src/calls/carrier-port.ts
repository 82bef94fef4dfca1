// What the calls domain needs from the upstream carrier, and nothing more. The simulator in src/carrier (or a real
// carrier) is adapted to this port where the app is composed (carrier-adapter.ts), so the domain never imports it.

export type CallLegOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'canceled';

export interface CallLegEvent {
  /** Unique per (leg, type). */
  id: string;
  type: 'call.incoming' | 'call.initiated' | 'call.ringing' | 'call.answered' | 'call.machine_detection.ended' | 'call.hangup';
  upstreamCallId: string;
  /** The gateway's call id, given to `dial`; for an inbound call, the carrier's UUID, kept as the call's id. */
  callRef: string;
  /** When it happened on the network (the carrier's clock): rating reads answer and hangup from here. */
  at: Date;
  /** call.hangup only. */
  outcome?: CallLegOutcome;
  hangupCause?: string;
  hangupSource?: string;
  /** call.machine_detection.ended only. */
  amdResult?: 'human' | 'machine';
  /** call.incoming only. */
  inbound?: IncomingCall;
}

export interface IncomingCall {
  from: string;
  /** The number called (a tenant's DID, if anyone's). */
  to: string;
  /** How long the carrier lets it ring unanswered before it ends no_answer. */
  ringTimeoutSecs: number;
  /** The caller failed the carrier's reputation check. */
  suspicious: boolean;
}

export type InboundRejectCause = 'call_rejected' | 'user_busy' | 'unallocated_number';

/** The test-mode caller: rings one of the carrier's numbers as someone outside would. Seconds are simulated. */
export interface SimulatedInboundCall {
  from: string;
  to: string;
  ringTimeoutSecs?: number;
  talkSeconds?: number;
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
  /** Picks up a ringing inbound leg and answers its call.answered event (call_already_ended once it hung up). */
  answer(upstreamCallId: string): Promise<CallLegEvent>;
  /** Refuses a ringing inbound leg and answers its hangup event. */
  reject(upstreamCallId: string, cause: InboundRejectCause): Promise<CallLegEvent>;
  /** Only a simulated carrier can play the caller: rings an inbound call and answers its call.incoming event. */
  simulateInbound?(call: SimulatedInboundCall): Promise<CallLegEvent>;
  /** The carrier's view of a leg; null when the carrier has no such leg any more (lost with a restart). */
  leg(upstreamCallId: string): Promise<CallLeg | null>;
  onCallEvent(listener: (event: CallLegEvent) => void | Promise<void>): () => void;
  /**
   * A command on an answered leg (idempotent per ref). Throws ApiError call_already_ended when the leg hung up,
   * call_not_in_required_state before its answer, upstream_error when the carrier fails.
   */
  control(upstreamCallId: string, command: CallCommand): Promise<void>;
  /** A processed recording's audio; null while the carrier is still recording or processing it. */
  recordingContent(ref: string): Promise<{ contentType: string; content: Buffer } | null>;
  /** Where the carrier is with a recording; null when it has no such recording (lost with a restart). */
  recording(ref: string): Promise<CarrierRecording | null>;
  onMediaEvent(listener: (event: CallMediaEvent) => void | Promise<void>): () => void;
  /**
   * A command on the conference room the gateway's conference `ref` names (conferences domain). Idempotent per
   * command. Throws ApiError conference_action_invalid when the room ended or the member left it,
   * call_already_ended / call_not_in_required_state for a join of a leg that hung up / is not answered,
   * upstream_error when the carrier fails.
   */
  conference(ref: string, command: ConferenceCommand): Promise<{ upstreamConferenceId: string }>;
}

export type ConferenceCommand =
  | { type: 'create'; endWhenEmpty: boolean }
  | { type: 'join'; upstreamCallId: string; muted: boolean; onHold: boolean }
  | { type: 'update'; upstreamCallId: string; muted?: boolean; onHold?: boolean }
  | { type: 'kick'; upstreamCallId: string }
  | { type: 'end' };

export interface CarrierRecording {
  state: 'recording' | 'processing' | 'available';
  startedAt: Date;
  endedAt: Date | null;
}

/** `ref` is the gateway's id of what the command starts or stops (a recording, a media session). */
export type CallCommand =
  | { type: 'record_start'; ref: string; channels: 'single' | 'dual' }
  | { type: 'record_stop'; ref: string }
  | { type: 'stream_start'; ref: string; url: string; track: 'inbound' | 'outbound' | 'both' }
  | { type: 'stream_stop'; ref: string }
  | { type: 'transcription_start'; ref: string; language: string }
  | { type: 'transcription_stop'; ref: string }
  | { type: 'gather'; ref: string; maxDigits: number; timeoutSecs: number; terminatingDigit?: string | null }
  | { type: 'bridge'; otherUpstreamCallId: string };

export type CallMediaEvent =
  | { id: string; type: 'recording.available'; upstreamCallId: string; callRef: string; ref: string; startedAt: Date; endedAt: Date; at: Date }
  | { id: string; type: 'gather.ended'; upstreamCallId: string; callRef: string; ref: string; digits: string; reason: string; at: Date }
  | { id: string; type: 'transcription'; upstreamCallId: string; callRef: string; ref: string; text: string; isFinal: boolean; speaker: string; utterance: number; at: Date };
