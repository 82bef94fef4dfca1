import { NumberType } from '../generated/prisma/enums';
import { Actor, requireScope } from '../platform/auth/scopes';
import { ServiceDeps } from '../platform/service-deps';
import { CustomerServiceRecord, PortabilityAnswer } from '../numbers/carrier-port';
import { requireCarrier, validPhoneNumbers } from '../numbers/numbers.shared';

// Porting pre-flight: can these numbers come to us (GET /v1/numbers/portability-check), and what does the losing
// carrier's Customer Service Record say (POST /v1/numbers/csr-coverage). Both answer per number, never all-or-nothing.

export interface PortabilityView {
  phoneNumber: string;
  countryCode: string;
  portable: boolean;
  reason: string | null;
  fastPortable: boolean;
  losingCarrier: string;
  /** The type the number would have here (and be priced as); null when it is not portable. */
  numberType: NumberType | null;
}

/** The number type a ported number gets: what it is on its network today. */
export function numberTypeOfNetwork(answer: Pick<PortabilityAnswer, 'networkType' | 'countryCode'>): NumberType {
  switch (answer.networkType) {
    case 'mobile':
      return 'mobile';
    case 'toll_free':
      return 'toll_free';
    case 'voip':
      // Outside NANP, VoIP ranges are the non-geographic national numbers.
      return answer.countryCode === 'US' || answer.countryCode === 'CA' ? 'local' : 'national';
    default:
      return 'local';
  }
}

/** The carrier's answers, with numbers already live on voepy (any tenant) marked not portable. */
export async function checkPortability(deps: ServiceDeps, actor: Actor, phoneNumbers: string[]): Promise<PortabilityView[]> {
  requireScope(actor, 'numbers:read');
  return assessPortability(deps, validPhoneNumbers(phoneNumbers));
}

/** The check itself, for use cases that have already authorised the caller (a porting order). */
export async function assessPortability(deps: ServiceDeps, numbers: string[]): Promise<PortabilityView[]> {
  const answers = await requireCarrier(deps).portabilityCheck(numbers);
  const live = new Set(
    (await deps.db.phoneNumber.findMany({ where: { e164: { in: numbers }, status: { in: ['pending', 'active'] } }, select: { e164: true } })).map((n) => n.e164),
  );
  return answers.map((a) => {
    const here = live.has(a.phoneNumber);
    const portable = a.portable && !here;
    return {
      phoneNumber: a.phoneNumber,
      countryCode: a.countryCode,
      portable,
      reason: here ? 'already_on_voepy' : (a.reason ?? null),
      fastPortable: portable && a.fastPortable,
      losingCarrier: a.losingCarrier,
      numberType: portable ? numberTypeOfNetwork(a) : null,
    };
  });
}

export interface CsrView {
  accountNumber: string;
  entityName: string;
  streetAddress: string;
  locality: string;
  administrativeArea: string;
  postalCode: string;
  countryCode: string;
  losingCarrier: string;
}

export interface CsrCoverageView {
  phoneNumber: string;
  /** The losing carrier has a CSR for it (only portable numbers have one). */
  covered: boolean;
  csr: CsrView | null;
}

export function csrView(r: CustomerServiceRecord): CsrView {
  return {
    accountNumber: r.accountNumber,
    entityName: r.name,
    streetAddress: r.addressLine,
    locality: r.locality,
    administrativeArea: r.region,
    postalCode: r.postalCode,
    countryCode: r.countryCode,
    losingCarrier: r.losingCarrier,
  };
}

/** The CSR of each number, to compare with what the porting order will state. */
export async function csrCoverage(deps: ServiceDeps, actor: Actor, phoneNumbers: string[]): Promise<CsrCoverageView[]> {
  requireScope(actor, 'numbers:read');
  const numbers = validPhoneNumbers(phoneNumbers);
  const carrier = requireCarrier(deps);
  return Promise.all(
    numbers.map(async (phoneNumber) => {
      const record = await carrier.csrLookup(phoneNumber);
      return { phoneNumber, covered: record !== null, csr: record ? csrView(record) : null };
    }),
  );
}
