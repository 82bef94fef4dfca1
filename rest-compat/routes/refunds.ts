import { GraphQLInputObjectType } from 'graphql';
import { CentsScalar } from '../../src/platform/money';
import { bodyToInput } from '../body';
import { RestRoute, toSnake } from '../route';

/**
 * `{amount_cents?}`, checked like every other body (unknown fields, wrong types → 400 naming the field). The
 * mutation takes the amount as an argument rather than an input object, so the type is declared here; a missing
 * or empty body refunds all that is left.
 */
const REFUND_BODY = new GraphQLInputObjectType({ name: 'RefundPaymentBody', fields: { amountCents: { type: CentsScalar } } });

export const refundRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/billing/payments/:id/refund',
    summary: 'Refund a succeeded payment to its card (admin); the amount leaves the balance as a refund entry',
    document: `mutation RefundPayment($id: ID!, $amountCents: Cents) {
      refundPayment(paymentId: $id, amountCents: $amountCents) { id amountCents amountRefundedCents currency status stripePaymentIntentId createdAt }
    }`,
    variables: (req) => ({ id: req.params.id, amountCents: bodyToInput(req.body ?? {}, REFUND_BODY).amountCents }),
    shape: (data) => toSnake(data.refundPayment),
  },
];
