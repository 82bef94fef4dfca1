import { PaymentMethodRecord } from './records';

/**
 * The simulated issuer: what happens when a card is checked (attach, SetupIntent) or charged. Whether a 3DS step that
 * the issuer asks for can happen at all (on-session) or turns into an `authentication_required` decline (off-session)
 * is the caller's business.
 */
export type Authorization =
  | { outcome: 'approved' }
  | { outcome: 'declined'; code: string; declineCode: string; message: string }
  | { outcome: 'authentication_required' };

export type CheckPurpose = 'attach' | 'setup' | 'payment';

export function authorize(
  pm: PaymentMethodRecord,
  purpose: CheckPurpose,
  opts: { offSession?: boolean; authenticated?: boolean } = {},
): Authorization {
  const card = pm._card;
  switch (card.behaviour) {
    case 'approve':
      return { outcome: 'approved' };
    case 'decline':
      return declined(pm);
    case 'decline_charges':
      return purpose === 'payment' ? declined(pm) : { outcome: 'approved' };
    case 'authenticate_always':
      if (purpose === 'attach' || opts.authenticated) return { outcome: 'approved' };
      return { outcome: 'authentication_required' };
    case 'authenticate_unless_set_up':
      if (purpose === 'attach' || opts.authenticated) return { outcome: 'approved' };
      if (purpose === 'payment' && opts.offSession && pm._offSessionReady) return { outcome: 'approved' };
      return { outcome: 'authentication_required' };
  }
}

function declined(pm: PaymentMethodRecord): Authorization {
  const decline = pm._card.decline ?? { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' };
  return { outcome: 'declined', ...decline };
}

export const AUTHENTICATION_REQUIRED = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
};
