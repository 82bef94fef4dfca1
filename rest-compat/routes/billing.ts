import { queryInstant, queryInt, queryString, restList, RestRoute, toSnake } from '../route';

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
    document: `query Quota { quota { dailySpendCapCents concurrentCallCap countriesAllowed countriesBlocked prefixesBlocked allowCallerIdForwarding } }`,
    shape: (data) => toSnake(data.quota),
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
