import { queryInstant, queryInt, queryString, restList, RestRoute, toSnake } from '../route';

const SUBSCRIPTION_FIELDS = 'id planSlug status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd createdAt canceledAt';

export const billingRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/account',
    summary: 'The caller’s tenant and balance',
    document: 'query Account { account { tenant { id name } balance { amountCents currency creditLimitCents } } }',
    shape: (data) => toSnake(data.account),
  },
  {
    method: 'GET',
    path: '/quota',
    summary: 'The tenant’s spend and traffic limits',
    document: `query Quota {
      quota {
        dailySpendCapCents concurrentCallCap countriesAllowed countriesBlocked prefixesBlocked allowCallerIdForwarding
        autoRecharge { enabled thresholdCents amountCents paymentMethodId failedAt failureReason }
      }
    }`,
    shape: (data) => toSnake(data.quota),
  },
  {
    method: 'GET',
    path: '/billing/plans',
    summary: 'The public plans',
    document: 'query Plans { plans { slug name monthlyFeeCents includedMinutes markupPercentBps lineItems { kind unitAmountCents unitLabel isMetered } } }',
    shape: (data) => toSnake(data.plans),
  },
  {
    method: 'GET',
    path: '/billing/subscription',
    summary: 'The active subscription',
    document: `query Subscription { subscription { ${SUBSCRIPTION_FIELDS} } }`,
    shape: (data) => toSnake(data.subscription),
    nullIsNotFound: 'There is no active subscription',
  },
  {
    method: 'POST',
    path: '/billing/subscription',
    summary: 'Attach a plan; its monthly fee is debited when the period starts',
    document: `mutation Subscribe($input: SubscribeInput!) { subscribeToPlan(input: $input) { ${SUBSCRIPTION_FIELDS} } }`,
    bodyInput: 'SubscribeInput',
    shape: (data) => toSnake(data.subscribeToPlan),
  },
  {
    method: 'DELETE',
    path: '/billing/subscription',
    summary: 'Cancel the subscription at the end of its current period',
    document: `mutation CancelSubscription { cancelSubscription { ${SUBSCRIPTION_FIELDS} } }`,
    shape: (data) => toSnake(data.cancelSubscription),
  },
  {
    method: 'GET',
    path: '/billing/payments',
    summary: 'Payment history, newest first, cursor-paginated',
    document: `query Payments($status: PaymentStatus, $first: Int, $after: String) {
      payments(status: $status, first: $first, after: $after) {
        nodes { id amountCents amountRefundedCents currency status stripePaymentIntentId createdAt }
        pageInfo { hasNextPage endCursor }
      }
    }`,
    variables: (req) => ({ status: queryString(req, 'status'), first: queryInt(req, 'limit', { min: 1, max: 200 }), after: queryString(req, 'cursor') }),
    shape: (data) => restList(data.payments as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/ledger',
    summary: 'The ledger, newest first, cursor-paginated',
    document: `query Ledger($first: Int, $after: String, $kind: LedgerKind, $from: DateTimeISO, $to: DateTimeISO) {
      ledgerEntries(first: $first, after: $after, kind: $kind, from: $from, to: $to) {
        nodes { id kind amountCents balanceAfterCents referenceType referenceId description createdAt }
        pageInfo { hasNextPage endCursor }
      }
    }`,
    variables: (req) => ({
      first: queryInt(req, 'limit', { min: 1, max: 200 }),
      after: queryString(req, 'cursor'),
      kind: queryString(req, 'kind'),
      from: queryInstant(req, 'from'),
      to: queryInstant(req, 'to'),
    }),
    shape: (data) => restList(data.ledgerEntries as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/usage',
    summary: 'Spend and counts by kind over [from, to)',
    document: `query Usage($from: DateTimeISO, $to: DateTimeISO) {
      usage(from: $from, to: $to) { from to spendCents creditedCents byKind { kind count amountCents } }
    }`,
    variables: (req) => ({ from: queryInstant(req, 'from'), to: queryInstant(req, 'to') }),
    shape: (data) => toSnake(data.usage),
  },
];
