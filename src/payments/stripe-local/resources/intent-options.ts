import type Stripe from 'stripe';
import { invalidRequest, unexpectedState } from '../errors';
import { newId } from '../ids';
import { Params } from '../params';
import { PaymentIntentRecord, SetupIntentRecord } from '../records';

/**
 * What PaymentIntents and SetupIntents share: which payment method types they take, the `return_url` rule, and the
 * 3DS `next_action`, whose URL opens this server's stand-in for the bank's challenge page (see hosted-pages.ts).
 */
export interface MethodTypes {
  automatic: Stripe.PaymentIntent.AutomaticPaymentMethods | null;
  /** The caller asked for automatic payment methods itself (only then is a return_url required). */
  explicit: boolean;
  /** `allowed_payment_method_types` as requested, or null. */
  allowed: string[] | null;
  /** What can actually be used, as Stripe reports in `payment_method_types`: here, cards. */
  types: string[];
}

/**
 * The SDK's API version takes `allowed_payment_method_types` (Stripe keeps the compatible ones); older versions took
 * `payment_method_types`, where an unsupported type is an error. Both are accepted.
 */
export function methodTypesFrom(params: Params): MethodTypes {
  const apm = params.object('automatic_payment_methods')?.allow(['enabled', 'allow_redirects']);
  const allowed = params.strings('allowed_payment_method_types');
  const legacy = params.strings('payment_method_types');
  if (allowed && legacy) {
    throw invalidRequest('You may only specify one of these parameters: allowed_payment_method_types, payment_method_types.', {
      param: 'payment_method_types',
      code: 'parameters_exclusive',
    });
  }
  if (apm && legacy) {
    throw invalidRequest('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', {
      param: 'automatic_payment_methods',
      code: 'parameters_exclusive',
    });
  }
  const automatic = apm ? automaticFrom(apm) : null;
  if (legacy) {
    const unsupported = legacy.find((t) => t !== 'card');
    if (unsupported !== undefined) {
      throw invalidRequest(`The payment method type provided: ${unsupported} is invalid. The local Stripe server only supports card.`, {
        param: 'payment_method_types',
      });
    }
    return { automatic: null, explicit: false, allowed: null, types: ['card'] };
  }
  if (allowed) {
    if (!allowed.includes('card')) {
      throw invalidRequest(`None of the allowed payment method types (${allowed.join(', ')}) can be used here: the local Stripe server only supports card.`, {
        param: 'allowed_payment_method_types',
      });
    }
    // A card-only list leaves nothing to redirect to, so no return_url is needed even with automatic methods on.
    return { automatic, explicit: false, allowed, types: ['card'] };
  }
  if (apm) return { automatic, explicit: Boolean(automatic?.enabled), allowed: null, types: ['card'] };
  // Stripe's default since 2023-08-16: the methods enabled in the Dashboard, which here is cards only.
  return { automatic: { allow_redirects: 'always', enabled: true }, explicit: false, allowed: null, types: ['card'] };
}

function automaticFrom(apm: Params): Stripe.PaymentIntent.AutomaticPaymentMethods | null {
  const enabled = apm.boolean('enabled');
  if (enabled === undefined) {
    throw invalidRequest('Missing required param: automatic_payment_methods[enabled].', { param: 'automatic_payment_methods[enabled]', code: 'parameter_missing' });
  }
  return enabled ? { allow_redirects: apm.oneOf('allow_redirects', ['always', 'never']) ?? 'always', enabled } : null;
}

/**
 * Stripe refuses to confirm an intent that allows redirect-based methods without somewhere to send the customer back
 * to. Only enforced when the caller asked for automatic_payment_methods itself (the Dashboard default is cards-only
 * here) and never off-session, where no customer is present to redirect.
 */
export function requireReturnUrl(intent: PaymentIntentRecord | SetupIntentRecord, returnUrl: string | null | undefined, offSession: boolean): void {
  const apm = intent.automatic_payment_methods;
  if (!intent._automaticExplicit || !apm?.enabled || apm.allow_redirects === 'never' || returnUrl || offSession) return;
  throw invalidRequest(
    'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
    { param: 'return_url' },
  );
}

export function threeDSecureUrl(baseUrl: string, intent: { id: string; client_secret: string | null }): string {
  return `${baseUrl}/_test/3ds/${intent.id}?client_secret=${encodeURIComponent(intent.client_secret ?? '')}`;
}

/** With a return_url the customer is redirected; without one, Stripe.js handles the challenge (`use_stripe_sdk`). */
export function threeDSecureAction(baseUrl: string, intent: PaymentIntentRecord | SetupIntentRecord): Stripe.PaymentIntent.NextAction {
  const url = threeDSecureUrl(baseUrl, intent);
  if (intent._returnUrl) return { type: 'redirect_to_url', redirect_to_url: { return_url: intent._returnUrl, url } };
  return { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newId('src') } };
}

export const CARD_OPTIONS_PI: Stripe.PaymentIntent.PaymentMethodOptions = {
  card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
};

/** The statuses from which an intent may be confirmed (and a SetupIntent canceled). */
export const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/** Stripe's refusal to confirm an intent that succeeded already or is in no confirmable state, in its words. */
export function assertConfirmable(intent: { object: 'payment_intent' | 'setup_intent'; status: string }): void {
  const [name, code] = intent.object === 'payment_intent'
    ? ['PaymentIntent', 'payment_intent_unexpected_state']
    : ['SetupIntent', 'setup_intent_unexpected_state'];
  if (intent.status === 'succeeded') {
    throw unexpectedState(`You cannot confirm this ${name} because it has already succeeded after being previously confirmed.`, code);
  }
  if (!CONFIRMABLE.includes(intent.status)) {
    throw unexpectedState(
      `You cannot confirm this ${name} because it has a status of ${intent.status}. Only a ${name} with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      code,
    );
  }
}
