import {
  ActivationStatus,
  CallEvent,
  CallEventListener,
  CallLegStatus,
  CallMediaCommand,
  CallMediaEventListener,
  DialAccepted,
  DialRequest,
  InboundRejectCause,
  CallerNameLookupResult,
  ConferenceCommand,
  CarrierLookupResult,
  CustomerServiceRecord,
  InventoryNumber,
  InventorySearch,
  LookupResult,
  LookupType,
  NumberEvent,
  NumberEventListener,
  NumberOrderAccepted,
  PortabilityResult,
  RecordingContent,
  RecordingStatus,
} from './types';

/**
 * The upstream carrier as the gateway sees it, in parts so each domain depends only on what it uses. Every remote
 * operation is async and may throw a `CarrierError` (upstream_error when the carrier is down or slow).
 */

/** Stock, orders, activations, releases. */
export interface CarrierNumbers {
  /** Available numbers matching the query, in the carrier's stable catalogue order. */
  searchInventory(query: InventorySearch): Promise<InventoryNumber[]>;
  /** The number while it is available to order; null once taken (by anyone), in quarantine, or unknown. */
  getInventoryNumber(phoneNumber: string): Promise<InventoryNumber | null>;
  /**
   * Accepts the order at once (all numbers or none); each number's outcome follows later as a NumberEvent.
   * Idempotent per `orderRef`: the same ref with the same numbers returns the same upstreamOrderId.
   */
  orderNumbers(phoneNumbers: readonly string[], opts: { orderRef: string }): Promise<NumberOrderAccepted>;
  /** For reconciling: what became of one number of an order (also for orders placed before a restart). */
  activationStatus(upstreamOrderId: string, phoneNumber: string): Promise<ActivationStatus>;
  /** Gives a number back; idempotent. Throws number_not_found for a number the carrier never had. */
  releaseNumber(phoneNumber: string): Promise<void>;
  /** Events that arrived while nobody listened are replayed to the new listener. Returns the detach function. */
  onNumberEvent(listener: NumberEventListener): () => void;
  /** Takes the events no listener has received (for polling instead of listening). */
  drainEvents(): NumberEvent[];
}

export interface CarrierLookup {
  lookup(phoneNumber: string, type: 'carrier'): Promise<CarrierLookupResult>;
  lookup(phoneNumber: string, type: 'caller-name'): Promise<CallerNameLookupResult>;
  lookup(phoneNumber: string, type: LookupType): Promise<LookupResult>;
}

/** Porting in, pre-flight. Porting orders (business-day progression, porting_order.* events) will join here. */
export interface CarrierPorting {
  /** One result per input number, in input order. */
  portabilityCheck(phoneNumbers: readonly string[]): Promise<PortabilityResult[]>;
  /** Throws porting_not_supported for a number `portabilityCheck` calls not portable. */
  csrLookup(phoneNumber: string): Promise<CustomerServiceRecord>;
}

/** Calls: dial, answer or reject inbound legs, hang up, ask after a leg; progress arrives as CallEvents. */
export interface CarrierCalls {
  /** Accepts the call at once; its progress follows as events. Idempotent per `callRef`. */
  dial(req: DialRequest): Promise<DialAccepted>;
  /** Ends the leg now and answers its hangup event (also published); idempotent for a leg that already ended. */
  hangupCall(upstreamCallId: string): Promise<CallEvent>;
  /** Picks up a ringing inbound leg; answers its call.answered event (also published). call_leg_ended once it hung up. */
  answerCall(upstreamCallId: string): Promise<CallEvent>;
  /** Refuses a ringing inbound leg; answers its hangup event (also published). Idempotent for a leg that ended. */
  rejectCall(upstreamCallId: string, cause: InboundRejectCause): Promise<CallEvent>;
  /** What the carrier knows of a leg; null when it has none (never dialled here, or lost with a restart). */
  callStatus(upstreamCallId: string): Promise<CallLegStatus | null>;
  /** Events that arrived while nobody listened are replayed to the new listener. Returns the detach function. */
  onCallEvent(listener: CallEventListener): () => void;
  /** Recordings, streams, transcription, gathers, bridging on an answered leg (see media.ts); idempotent per ref. */
  controlCall(upstreamCallId: string, command: CallMediaCommand): Promise<void>;
  /** A processed recording's audio; null while it is still recording or processing. */
  recordingContent(ref: string): Promise<RecordingContent | null>;
  /** Where a recording is; null when the carrier has no such recording (never started here, or lost with a restart). */
  recordingStatus(ref: string): Promise<RecordingStatus | null>;
  /** recording.available and gather.ended; buffered for a listener that isn't attached yet. */
  onMediaEvent(listener: CallMediaEventListener): () => void;
  /** Opens, joins, mutes, holds, kicks, ends a conference room (see conferences.ts); idempotent per command. */
  controlConference(conferenceRef: string, command: ConferenceCommand): Promise<{ upstreamConferenceId: string }>;
}

/** Everything the gateway needs from the carrier. */
export interface Carrier extends CarrierNumbers, CarrierLookup, CarrierPorting, CarrierCalls {
  /** Stops all timers and listeners; later calls fail with upstream_error. */
  close(): void;
}
