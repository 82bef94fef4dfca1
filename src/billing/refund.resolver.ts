import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { CentsScalar } from '../platform/money';
import { Payment } from './plans.types';
import { refundPayment } from './refund.service';

@Resolver()
export class RefundResolver {
  @Authorized('admin')
  @Mutation(() => Payment, { description: 'Refunds a succeeded payment to its card (admin); the amount leaves the balance as a refund entry.' })
  refundPayment(
    @Arg('paymentId', () => ID) paymentId: string,
    @Arg('amountCents', () => CentsScalar, { nullable: true, description: 'Omit to refund all that is left.' }) amountCents: bigint | null,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return refundPayment(ctx, actor, paymentId, amountCents);
  }
}
