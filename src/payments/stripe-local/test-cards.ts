/**
 * Stripe's documented test cards and what each does. A card's behaviour is decided by its number (its "profile"),
 * which is all a PaymentMethod remembers about it.
 */
export type CardBehaviour =
  /** Always approved. */
  | 'approve'
  /** Declined whenever it is checked: on attach, on SetupIntent confirmation and on every charge. */
  | 'decline'
  /** Attaches and sets up fine; every charge is declined (4000000000000341). */
  | 'decline_charges'
  /** 3DS on every payment; off-session payments fail with authentication_required (4000002760003184). */
  | 'authenticate_always'
  /** 3DS on setup and on-session payments; off-session payments succeed once set up for them (4000002500003155). */
  | 'authenticate_unless_set_up';

export interface CardProfile {
  brand: string;
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
  behaviour: CardBehaviour;
  /** For declines: Stripe's error code, decline code and message. */
  decline?: { code: string; declineCode: string; message: string };
}

const GENERIC = { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' };

const TEST_CARDS: Readonly<Record<string, CardProfile>> = {
  '4242424242424242': { brand: 'visa', funding: 'credit', country: 'US', behaviour: 'approve' },
  '4000056655665556': { brand: 'visa', funding: 'debit', country: 'US', behaviour: 'approve' },
  '5555555555554444': { brand: 'mastercard', funding: 'credit', country: 'US', behaviour: 'approve' },
  '2223003122003222': { brand: 'mastercard', funding: 'credit', country: 'US', behaviour: 'approve' },
  '5200828282828210': { brand: 'mastercard', funding: 'debit', country: 'US', behaviour: 'approve' },
  '378282246310005': { brand: 'amex', funding: 'credit', country: 'US', behaviour: 'approve' },
  '6011111111111117': { brand: 'discover', funding: 'credit', country: 'US', behaviour: 'approve' },
  '4000000000000002': { brand: 'visa', funding: 'credit', country: 'US', behaviour: 'decline', decline: GENERIC },
  '4000000000009995': {
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: 'decline',
    decline: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  '4000000000009987': {
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: 'decline',
    decline: { code: 'card_declined', declineCode: 'lost_card', message: 'Your card was declined.' },
  },
  '4000000000009979': {
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: 'decline',
    decline: { code: 'card_declined', declineCode: 'stolen_card', message: 'Your card was declined.' },
  },
  '4000000000000069': {
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: 'decline',
    decline: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  },
  '4000000000000127': {
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: 'decline',
    decline: { code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  },
  '4000000000000119': {
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: 'decline',
    decline: { code: 'processing_error', declineCode: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' },
  },
  '4000000000000341': { brand: 'visa', funding: 'credit', country: 'US', behaviour: 'decline_charges', decline: GENERIC },
  '4000002760003184': { brand: 'visa', funding: 'credit', country: 'US', behaviour: 'authenticate_always' },
  '4000000000003220': { brand: 'visa', funding: 'credit', country: 'US', behaviour: 'authenticate_always' },
  '4000002500003155': { brand: 'visa', funding: 'credit', country: 'US', behaviour: 'authenticate_unless_set_up' },
};

/** Stripe's test PaymentMethod ids: usable wherever a PaymentMethod id is, each use makes a new pm_ with that card. */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, string>> = {
  pm_card_visa: '4242424242424242',
  pm_card_visa_debit: '4000056655665556',
  pm_card_mastercard: '5555555555554444',
  pm_card_mastercard_debit: '5200828282828210',
  pm_card_amex: '378282246310005',
  pm_card_discover: '6011111111111117',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_visa_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedLostCard: '4000000000009987',
  pm_card_chargeDeclinedStolenCard: '4000000000009979',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_chargeDeclinedProcessingError: '4000000000000119',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_threeDSecureRequired: '4000002760003184',
  pm_card_threeDSecure2Required: '4000000000003220',
  pm_card_authenticationRequiredOnSetup: '4000002500003155',
};

export function luhnValid(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function brandOf(number: string): string {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2(2[2-9][1-9]|2[3-9]|[3-6]|7[01]|720))/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(6011|65|64[4-9])/.test(number)) return 'discover';
  if (/^35/.test(number)) return 'jcb';
  if (/^(36|38|30[0-5])/.test(number)) return 'diners';
  if (/^62/.test(number)) return 'unionpay';
  return 'unknown';
}

/** The profile for a (Luhn-valid) number: a documented test card, or an approving card of the number's brand. */
export function profileOf(number: string): CardProfile {
  return TEST_CARDS[number] ?? { brand: brandOf(number), funding: 'credit', country: 'US', behaviour: 'approve' };
}
