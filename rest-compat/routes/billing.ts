import { RestRoute, toSnake } from '../route';

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
];
