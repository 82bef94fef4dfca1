// What the numbers domain needs from the upstream carrier, and nothing more. The simulator in src/carrier (or a
// real carrier) is adapted to this port where the app is composed, so the domain never imports a carrier.

export type NumberType = 'local' | 'toll_free' | 'national' | 'mobile';
export type Capability = 'voice' | 'sms' | 'mms' | 'fax';

/** A number the carrier stocks (the shape of src/carrier's InventoryNumber). */
export interface CarrierInventoryNumber {
  readonly phoneNumber: string;
  readonly countryCode: string;
  readonly numberType: NumberType;
  readonly region: string | null;
  readonly locality: string | null;
  readonly nationalDestinationCode: string;
  readonly capabilities: readonly Capability[];
}

export interface CarrierInventorySearch {
  countryCode: string;
  numberType?: NumberType;
  nationalDestinationCode?: string;
  locality?: string;
  features?: readonly Capability[];
  limit: number;
  /** Numbers the gateway has sold or someone holds: never offered. */
  exclude?: ReadonlySet<string>;
}

export interface CarrierNumberEvent {
  /** Unique per (order, number). */
  id: string;
  type: 'number.activated' | 'number.activation_failed';
  phoneNumber: string;
  upstreamOrderId: string;
  /** The gateway's order id, given to `orderNumbers`. */
  orderRef: string;
  at: Date;
  reason?: string;
}

export interface NumberCarrier {
  searchInventory(search: CarrierInventorySearch): Promise<readonly CarrierInventoryNumber[]>;
  /** The inventory records of these numbers; numbers the carrier doesn't stock are left out. */
  inventoryNumbers(phoneNumbers: readonly string[]): Promise<readonly CarrierInventoryNumber[]>;
  /**
   * Starts activation; every number later gets exactly one activated / activation_failed event. Idempotent per
   * orderRef. Throws ApiError upstream_error when unconfirmed (retry with the same ref), order_invalid when refused.
   */
  orderNumbers(phoneNumbers: readonly string[], orderRef: string): Promise<{ upstreamOrderId: string; orderedAt: Date }>;
  onNumberEvent(listener: (event: CarrierNumberEvent) => void | Promise<void>): () => void;
  /** Gives a number back upstream; idempotent. */
  releaseNumber(phoneNumber: string): Promise<void>;
  /** Metadata of any number. Throws ApiError invalid_request for an invalid number, upstream_error when down. */
  lookup(phoneNumber: string, type: NumberLookupType): Promise<NumberLookupResult>;
  /** What became of one number of an order (for numbers whose event never arrived, e.g. across a restart). */
  activationStatus(upstreamOrderId: string, phoneNumber: string): Promise<CarrierActivationStatus>;
  /** Porting pre-flight, one answer per number in input order. Throws ApiError invalid_request / upstream_error. */
  portabilityCheck(phoneNumbers: readonly string[]): Promise<readonly PortabilityAnswer[]>;
  /** The losing carrier's Customer Service Record; null for a number that is not portable. */
  csrLookup(phoneNumber: string): Promise<CustomerServiceRecord | null>;
}

export type CarrierActivationStatus =
  | { status: 'pending' }
  | { status: 'active'; activatedAt: Date }
  | { status: 'failed'; reason: string; failedAt: Date };

export interface PortabilityAnswer {
  phoneNumber: string;
  countryCode: string;
  portable: boolean;
  /** Why not, when not portable (country_not_supported, porting_not_supported, …). */
  reason?: string;
  losingCarrier: string;
  /** A simple port that completes on the next business day. */
  fastPortable: boolean;
  /** The kind of number it is today; decides the number type (and price) it gets here. */
  networkType: 'landline' | 'mobile' | 'voip' | 'toll_free';
}

export interface CustomerServiceRecord {
  phoneNumber: string;
  accountNumber: string;
  /** Account holder, a person or a business. */
  name: string;
  addressLine: string;
  locality: string;
  region: string;
  postalCode: string;
  countryCode: string;
  losingCarrier: string;
}

export type NumberLookupType = 'carrier' | 'caller-name';

export interface NumberLookupResult {
  phoneNumber: string;
  countryCode?: string;
  carrierName?: string;
  networkType?: string;
  ported?: boolean;
  /** caller-name only; null when none is listed. */
  callerName?: string | null;
}
