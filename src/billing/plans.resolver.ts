import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { PaymentStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { listPayments } from './payments.service';
import { cancelSubscription, getSubscription, listPlans, subscribeToPlan } from './plans.service';
import { PaymentConnection, Plan, SubscribeInput, Subscription } from './plans.types';

@Resolver()
export class PlansResolver {
  @Authorized('billing:read')
  @Query(() => [Plan], { description: 'The public plans.' })
  plans(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return listPlans(ctx, actor);
  }

  @Authorized('billing:read')
  @Query(() => Subscription, { nullable: true, description: 'The active subscription, if any.' })
  subscription(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getSubscription(ctx, actor);
  }

  @Authorized('billing:read')
  @Query(() => PaymentConnection, { description: 'Payment history, newest first.' })
  async payments(
    @Arg('status', () => PaymentStatus, { nullable: true }) status: PaymentStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listPayments(ctx, actor, { status }, { first, after }));
  }

  @Authorized('billing:write')
  @Mutation(() => Subscription, { description: 'Attaches a plan; its monthly fee is debited when the period starts.' })
  subscribeToPlan(@Arg('input', () => SubscribeInput) input: SubscribeInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return subscribeToPlan(ctx, actor, input.planSlug);
  }

  @Authorized('billing:write')
  @Mutation(() => Subscription, { description: 'Cancels the subscription at the end of its current period.' })
  cancelSubscription(@IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return cancelSubscription(ctx, actor);
  }
}
