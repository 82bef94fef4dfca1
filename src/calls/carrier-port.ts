// What the calls domain needs from the upstream carrier, and nothing more. The simulator in src/carrier (or a real
// carrier) is adapted to this port where the app is composed (carrier-adapter.ts), so the domain never imports it.
// Where the domain means just what the carrier's vocabulary (src/carrier/types.ts: plain data, no behaviour) says,
// the port names those types rather than restating them; it narrows them to what the domain reads.
import type {
  CallEvent,
  CallLegStatus,
  CallMediaCommand,
  CallMediaEvent as CarrierMediaEvent,
  CallOutcome,
  ConferenceCommand,
  DialAccepted,
  DialRequest,
  InboundRejectCause,
  InboundRingRequest,
  IncomingCall,
  RecordingContent,
  RecordingStatus,
} from '../carrier/types';

export type { ConferenceCommand, DialRequest, InboundRejectCause, IncomingCall };

export type CallLegOutcome = CallOutcome;

/**
 * A report on a leg. `callRef` is the gateway's call id given to `dial`; for an inbound call, the carrier's UUID,
 * kept as the call's id. `at` is the network's clock: rating reads the answer and the hangup from it.
 */
export type CallLegEvent = CallEvent;

/** The test-mode caller: rings one of the carrier's numbers as someone outside would. Seconds are simulated. */
export type SimulatedInboundCall = Pick<InboundRingRequest, 'from' | 'to' | 'ringTimeoutSecs' | 'talkSeconds'>;

export type CallLeg = Omit<CallLegStatus, 'callRef'>;

export type CarrierRecording = Omit<RecordingStatus, 'ref'>;

/** `ref` is the gateway's id of what the command starts or stops (a recording, a media session). */
export type CallCommand = CallMediaCommand;

export type CallMediaEvent = CarrierMediaEvent;

export interface CallCarrier {
  /** Dials; idempotent per callRef. Throws ApiError upstream_error when the carrier fails or cannot be reached. */
  dial(req: DialRequest): Promise<Pick<DialAccepted, 'upstreamCallId'>>;
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
  recordingContent(ref: string): Promise<Pick<RecordingContent, 'contentType' | 'content'> | null>;
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
