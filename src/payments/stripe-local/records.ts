import type Stripe from 'stripe';
import type { CardProfile } from './test-cards';

/**
 * What the server stores: the SDK's own response types (so the compiler checks every object we return against
 * what `stripe` v23 promises its callers), plus bookkeeping fields prefixed with `_` that never leave the server.
 */
interface Bookkeeping {
  /** Insertion order; Stripe lists newest first and `created` has only one-second resolution. */
  _seq: number;
}

export type CustomerRecord = Stripe.Customer & Bookkeeping & { _deleted?: boolean };

export type PaymentMethodRecord = Stripe.PaymentMethod &
  Bookkeeping & {
    /** How the card behaves (see test-cards.ts); the card number itself is not kept. */
    _card: CardProfile;
    /** Set up for future off-session use by a SetupIntent (or a PaymentIntent with setup_future_usage). */
    _offSessionReady?: boolean;
    /** Used once without being attached to a customer: Stripe refuses to reuse such a PaymentMethod. */
    _consumed?: boolean;
  };

/** Whether the caller asked for automatic_payment_methods itself (only then does Stripe insist on a return_url). */
interface IntentBookkeeping {
  _returnUrl?: string | null;
  _automaticExplicit?: boolean;
}

export type SetupIntentRecord = Stripe.SetupIntent & Bookkeeping & IntentBookkeeping;

export type PaymentIntentRecord = Stripe.PaymentIntent &
  Bookkeeping &
  IntentBookkeeping & {
    /** The invoice this PaymentIntent pays, so completing its 3DS step also settles the invoice. */
    _invoice?: string;
    /** The 3DS step was passed, so the next authorization of this intent doesn't ask again. */
    _authenticated?: boolean;
  };

export type ChargeRecord = Stripe.Charge & Bookkeeping;
export type RefundRecord = Stripe.Refund & Bookkeeping;
export type BalanceTransactionRecord = Stripe.BalanceTransaction & Bookkeeping;
export type InvoiceItemRecord = Stripe.InvoiceItem & Bookkeeping;

export type InvoiceRecord = Stripe.Invoice &
  Bookkeeping & {
    /** Unguessable path segment of the hosted page and PDF URLs (Stripe's are signed URLs that need no API key). */
    _token: string;
    _payments: Stripe.InvoicePayment[];
  };

export interface EventRecord extends Bookkeeping {
  id: string;
  object: 'event';
  api_version: string | null;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface Collections {
  customers: CustomerRecord;
  payment_methods: PaymentMethodRecord;
  setup_intents: SetupIntentRecord;
  payment_intents: PaymentIntentRecord;
  charges: ChargeRecord;
  refunds: RefundRecord;
  balance_transactions: BalanceTransactionRecord;
  invoiceitems: InvoiceItemRecord;
  invoices: InvoiceRecord;
  events: EventRecord;
}

export type CollectionName = keyof Collections;

export const COLLECTION_NAMES: readonly CollectionName[] = [
  'customers',
  'payment_methods',
  'setup_intents',
  'payment_intents',
  'charges',
  'refunds',
  'balance_transactions',
  'invoiceitems',
  'invoices',
  'events',
];

/** Id prefix → collection, for `expand[]` and for "No such …" on ids of the wrong kind. */
export const PREFIX_COLLECTION: Readonly<Record<string, CollectionName>> = {
  cus: 'customers',
  pm: 'payment_methods',
  seti: 'setup_intents',
  pi: 'payment_intents',
  ch: 'charges',
  re: 'refunds',
  txn: 'balance_transactions',
  ii: 'invoiceitems',
  in: 'invoices',
  evt: 'events',
};

/** Stripe fields holding "an id or, when expanded, the object" are typed as unions; stored records always hold the id. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}
