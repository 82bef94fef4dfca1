/** The carrier's vocabulary: what it sells, what it reports, what it answers. Plain data, no behaviour. */

/** ISO 3166-1 alpha-2 code of a country the carrier stocks numbers in. */
export type InventoryCountry = 'US' | 'CA' | 'GB' | 'DE' | 'FR' | 'AU';

export type NumberType = 'local' | 'toll_free' | 'national' | 'mobile';

export type Capability = 'voice' | 'sms' | 'mms' | 'fax';

/** Capabilities are always listed in this order, so equal sets compare equal as arrays. */
export const CAPABILITY_ORDER: readonly Capability[] = ['voice', 'sms', 'mms', 'fax'];

/** What the carrier charges the gateway (integer cents); the gateway adds its markup through pricing tiers. */
export interface CarrierCost {
  readonly activationCents: number;
  readonly monthlyCents: number;
}

/** A number the carrier stocks. Records are frozen: spread one before changing it. */
export interface InventoryNumber {
  /** E.164, e.g. "+15125550142". */
  readonly phoneNumber: string;
  readonly countryCode: InventoryCountry;
  readonly numberType: NumberType;
  /** State, province or region of a geographic number; null for toll-free, national and mobile numbers. */
  readonly region: string | null;
  /** City of a geographic number; null for toll-free, national and mobile numbers. */
  readonly locality: string | null;
  /** Area code / NDC in E.164 form, without the national trunk "0": "512", "20", "161", "7700", "1". */
  readonly nationalDestinationCode: string;
  readonly capabilities: readonly Capability[];
  readonly carrierCost: CarrierCost;
}

export interface InventorySearch {
  /** ISO alpha-2, case-insensitive. A country the carrier doesn't stock answers an empty list. */
  countryCode: string;
  numberType?: NumberType;
  /** Exact NDC; a leading trunk "0" is accepted and ignored outside NANP ("020" = "20"). */
  nationalDestinationCode?: string;
  /** Exact city name, case- and accent-insensitive ("montreal", "DUSSELDORF"). */
  locality?: string;
  /** Every listed capability is required. */
  features?: readonly Capability[];
  /** A positive whole number. */
  limit: number;
  /** E.164 numbers to leave out: those the gateway has reserved or sold. */
  exclude?: ReadonlySet<string>;
}

export interface NumberOrderAccepted {
  upstreamOrderId: string;
  orderedAt: Date;
}

interface NumberEventBase {
  /** Unique per (order, number): a listener can dedupe on it. */
  id: string;
  phoneNumber: string;
  upstreamOrderId: string;
  /** The gateway's own reference given to `orderNumbers`. */
  orderRef: string;
  at: Date;
}

export interface NumberActivatedEvent extends NumberEventBase {
  type: 'number.activated';
}

export interface NumberActivationFailedEvent extends NumberEventBase {
  type: 'number.activation_failed';
  reason: string;
}

/** Every ordered number gets exactly one of these. */
export type NumberEvent = NumberActivatedEvent | NumberActivationFailedEvent;

/** A listener may be async; its failures are reported to `onListenerError`, never retried (poll `activationStatus`). */
export type NumberEventListener = (event: NumberEvent) => void | Promise<void>;

export type ActivationStatus =
  | { status: 'pending' }
  | { status: 'active'; activatedAt: Date }
  | { status: 'failed'; reason: string; failedAt: Date };

export type LookupType = 'carrier' | 'caller-name';

export type NetworkType = 'landline' | 'mobile' | 'voip' | 'toll_free';

export interface CarrierLookupResult {
  phoneNumber: string;
  /** ISO alpha-2 of the number's country (NANP toll-free numbers answer "US"). */
  countryCode: string;
  carrierName: string;
  networkType: NetworkType;
  ported: boolean;
}

export interface CallerNameLookupResult {
  phoneNumber: string;
  /** Up to 15 characters, upper case, as CNAM databases hold it; null when none is listed. */
  callerName: string | null;
}

export type LookupResult = CarrierLookupResult | CallerNameLookupResult;

/** Why a number can't be ported in. The gateway answers both as 422 porting_not_supported. */
export type NotPortableReason = 'porting_not_supported' | 'country_not_supported';

export interface PortabilityResult {
  phoneNumber: string;
  countryCode: string;
  portable: boolean;
  /** Set exactly when `portable` is false. */
  reason?: NotPortableReason;
  /** The carrier the number would leave (the same name `lookup(…, 'carrier')` answers). */
  losingCarrier: string;
  /** Eligible for a same-day "fast port" (simple NANP ports only). Always false when not portable. */
  fastPortable: boolean;
}

/** The losing carrier's Customer Service Record, which a port request must match. */
export interface CustomerServiceRecord {
  phoneNumber: string;
  accountNumber: string;
  /** Account holder: a person ("Maria Alvarez") or a business ("Copperleaf Bakery LLC"). */
  name: string;
  addressLine: string;
  locality: string;
  region: string;
  postalCode: string;
  countryCode: InventoryCountry;
  losingCarrier: string;
}

/** How a simulated call ends when nobody intervenes (see calls.ts for the destination patterns). */
export type CallOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'canceled';

export interface DialRequest {
  /** The gateway's own id for the call: a second dial with the same ref returns the first leg (no second dial). */
  callRef: string;
  from: string;
  to: string;
  /** Seconds to ring before giving up (no_answer). */
  timeoutSecs: number;
  /** Answering-machine detection: after the answer, a call.machine_detection.ended event says who picked up. */
  answeringMachineDetection?: 'disabled' | 'detect' | 'detect_beep';
}

export interface DialAccepted {
  upstreamCallId: string;
  acceptedAt: Date;
}

export type CallEventType = 'call.incoming' | 'call.initiated' | 'call.ringing' | 'call.answered' | 'call.machine_detection.ended' | 'call.hangup';

/** Why a leg ended, in the carrier's (Telnyx-like) words. */
export type HangupCause = 'normal_clearing' | 'user_busy' | 'timeout' | 'call_rejected' | 'originator_cancel' | 'unallocated_number';

export interface CallEvent {
  /** Unique per (leg, type): a listener can dedupe on it. */
  id: string;
  type: CallEventType;
  upstreamCallId: string;
  callRef: string;
  /** Simulated time: compressed timings still stamp real-length calls (a 60 s talk is 60 s apart). */
  at: Date;
  /** call.hangup only. */
  outcome?: CallOutcome;
  hangupCause?: HangupCause;
  /** call.hangup only: who ended it. */
  hangupSource?: 'caller' | 'callee' | 'carrier';
  /** call.machine_detection.ended only. */
  amdResult?: AmdResult;
  /** call.incoming only: who calls which number, how long the carrier lets it ring, and its reputation check. */
  inbound?: IncomingCall;
}

export interface IncomingCall {
  from: string;
  to: string;
  ringTimeoutSecs: number;
  /** The caller failed the carrier's reputation check (a robocall-flagged number). */
  suspicious: boolean;
}

/** An inbound call the simulator rings (a test or the demo playing the caller). Seconds are simulated. */
export interface InboundRingRequest {
  from: string;
  /** The number called: one of a tenant's DIDs. */
  to: string;
  /** How long it rings before the carrier gives up (no_answer). Default: the simulator's inboundRingTimeoutSecs. */
  ringTimeoutSecs?: number;
  /** Seconds of conversation once answered, after which the caller hangs up. Default: fixed per seed and caller, 15–300. */
  talkSeconds?: number;
  /** The caller gives up after this many seconds of ringing (canceled), when that is before the timeout. */
  callerHangsUpAfterSecs?: number;
  /** Overrides the reputation check (by default a caller whose number ends in 666 is suspicious). */
  suspicious?: boolean;
}

/** Why the called side refuses an inbound call. */
export type InboundRejectCause = 'call_rejected' | 'user_busy' | 'unallocated_number';

export type AmdResult = 'human' | 'machine';

export type CallEventListener = (event: CallEvent) => void | Promise<void>;

/** What the carrier knows of a leg; null from `callStatus` means it has no such leg (never dialled, or lost). */
export interface CallLegStatus {
  upstreamCallId: string;
  callRef: string;
  state: 'initiated' | 'ringing' | 'answered' | 'ended' | 'dialing';
  answeredAt: Date | null;
  endedAt: Date | null;
  outcome: CallOutcome | null;
  hangupCause: HangupCause | null;
}

/** A test's script for the next call to a number: outcome and timings in simulated seconds. */
export interface CallScript {
  outcome: CallOutcome;
  /** Seconds between ringing and the answer (or the busy / failure signal). Default 3. */
  ringSeconds?: number;
  /** Seconds of conversation after the answer (answered calls only). Default 30. */
  talkSeconds?: number;
  /** Who answers, for a call placed with answering-machine detection. */
  amdResult?: AmdResult;
}

/** A command on an answered leg. `ref` is the gateway's own id for what it starts (a recording, a stream …). */
export type CallMediaCommand =
  | { type: 'record_start'; ref: string; channels: 'single' | 'dual' }
  | { type: 'record_stop'; ref: string }
  | { type: 'stream_start'; ref: string; url: string; track: 'inbound' | 'outbound' | 'both' }
  | { type: 'stream_stop'; ref: string }
  | { type: 'transcription_start'; ref: string; language: string }
  | { type: 'transcription_stop'; ref: string }
  | { type: 'gather'; ref: string; maxDigits: number; timeoutSecs: number; terminatingDigit?: string | null }
  | { type: 'bridge'; otherUpstreamCallId: string };

export type GatherEndReason = 'max_digits' | 'terminating_digit' | 'timeout' | 'call_hangup';

interface CallMediaEventBase {
  /** Unique per (ref, type): a listener can dedupe on it. */
  id: string;
  upstreamCallId: string;
  callRef: string;
  ref: string;
  at: Date;
}

/** A recording was processed: its audio can be fetched with `recordingContent(ref)`. */
export interface RecordingAvailableEvent extends CallMediaEventBase {
  type: 'recording.available';
  startedAt: Date;
  endedAt: Date;
}

export interface GatherEndedEvent extends CallMediaEventBase {
  type: 'gather.ended';
  digits: string;
  reason: GatherEndReason;
}

/** Speech recognised on a leg with transcription running: a partial result, then the final one, per utterance. */
export interface TranscriptionEvent extends CallMediaEventBase {
  type: 'transcription';
  text: string;
  isFinal: boolean;
  speaker: 'callee' | 'caller';
  /** 0, 1, 2 … per transcription. */
  utterance: number;
}

export type CallMediaEvent = RecordingAvailableEvent | GatherEndedEvent | TranscriptionEvent;

export type CallMediaEventListener = (event: CallMediaEvent) => void | Promise<void>;

/** Where the carrier is with a recording: still recording, processing the audio, or done (the audio can be fetched). */
export interface RecordingStatus {
  ref: string;
  state: 'recording' | 'processing' | 'available';
  startedAt: Date;
  endedAt: Date | null;
}

export interface RecordingContent {
  contentType: string;
  content: Buffer;
  startedAt: Date;
  endedAt: Date;
}

/**
 * A command on a conference room, named by the gateway's ref (its conference id). `create` opens the room; the
 * others act on it or on one member (a leg, by its upstream call id).
 */
export type ConferenceCommand =
  | { type: 'create'; endWhenEmpty: boolean }
  | { type: 'join'; upstreamCallId: string; muted: boolean; onHold: boolean }
  | { type: 'update'; upstreamCallId: string; muted?: boolean; onHold?: boolean }
  | { type: 'kick'; upstreamCallId: string }
  | { type: 'end' };

export interface ConferenceMemberState {
  upstreamCallId: string;
  muted: boolean;
  onHold: boolean;
}

export interface ConferenceState {
  upstreamConferenceId: string;
  ref: string;
  closed: boolean;
  members: ConferenceMemberState[];
}
