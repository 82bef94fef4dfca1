import { RestRoute, toSnake } from '../route';

const PAYMENT_METHOD_FIELDS = 'id type card { brand last4 expMonth expYear } isDefault';
const AUTO_RECHARGE_FIELDS = 'enabled thresholdCents amountCents paymentMethodId failedAt failureReason';

export const fundingRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/billing/setup-intent',
    summary: 'Start saving a card: a Stripe SetupIntent for Stripe Elements',
    document: 'mutation CreateSetupIntent { createSetupIntent { clientSecret setupIntentId stripeCustomerId } }',
    shape: (data) => toSnake(data.createSetupIntent),
  },
  {
    method: 'GET',
    path: '/billing/payment-methods',
    summary: 'Saved cards',
    document: `query PaymentMethods { paymentMethods { ${PAYMENT_METHOD_FIELDS} } }`,
    shape: (data) => toSnake(data.paymentMethods),
  },
  {
    method: 'POST',
    path: '/billing/payment-methods/:pm_id',
    summary: 'Make a saved card the default',
    document: `mutation SetDefaultPaymentMethod($id: String!) { setDefaultPaymentMethod(id: $id) { ${PAYMENT_METHOD_FIELDS} } }`,
    variables: (req) => ({ id: req.params.pm_id }),
    shape: (data) => toSnake((data.setDefaultPaymentMethod as { isDefault: boolean }[]).find((pm) => pm.isDefault)),
  },
  {
    method: 'DELETE',
    path: '/billing/payment-methods/:pm_id',
    summary: 'Remove a saved card',
    document: `mutation RemovePaymentMethod($id: String!) { removePaymentMethod(id: $id) { id } }`,
    variables: (req) => ({ id: req.params.pm_id }),
    shape: (_data, req) => ({ id: req.params.pm_id, deleted: true }),
  },
  {
    method: 'POST',
    path: '/billing/topup',
    summary: 'Top up the balance from a saved card (send an Idempotency-Key)',
    document: 'mutation TopUp($input: TopUpInput!) { topUp(input: $input) { paymentId status clientSecret amountCents currency } }',
    bodyInput: 'TopUpInput',
    shape: (data) => toSnake(data.topUp),
  },
  {
    method: 'POST',
    path: '/billing/auto-recharge',
    summary: 'Turn auto-recharge on (or re-enable it after a failed charge)',
    document: `mutation ConfigureAutoRecharge($input: AutoRechargeInput!) { configureAutoRecharge(input: $input) { ${AUTO_RECHARGE_FIELDS} } }`,
    bodyInput: 'AutoRechargeInput',
    shape: (data) => toSnake(data.configureAutoRecharge),
  },
  {
    method: 'DELETE',
    path: '/billing/auto-recharge',
    summary: 'Turn auto-recharge off',
    document: `mutation DisableAutoRecharge { disableAutoRecharge { ${AUTO_RECHARGE_FIELDS} } }`,
    shape: (data) => toSnake(data.disableAutoRecharge ?? { enabled: false }),
  },
];
