import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { configureAutoRecharge, disableAutoRecharge, getAutoRecharge } from './auto-recharge.service';
import { createSetupIntent, listPaymentMethods, removePaymentMethod, setDefaultPaymentMethod, topUp } from './funding.service';
import { AutoRecharge, AutoRechargeInput, PaymentMethod, SetupIntent, TopUp, TopUpInput } from './funding.types';

@Resolver()
export class FundingResolver {
  @Authorized('billing:read')
  @Query(() => [PaymentMethod], { description: 'Saved cards.' })
  paymentMethods(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return listPaymentMethods(ctx, actor);
  }

  @Authorized('billing:read')
  @Query(() => AutoRecharge, { nullable: true })
  autoRecharge(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getAutoRecharge(ctx, actor);
  }

  @Authorized('billing:write')
  @Mutation(() => SetupIntent, { description: 'Starts saving a card (Stripe SetupIntent).' })
  createSetupIntent(@IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return createSetupIntent(ctx, actor);
  }

  @Authorized('billing:write')
  @Mutation(() => [PaymentMethod], { description: 'Makes a saved card the default; answers the saved cards.' })
  setDefaultPaymentMethod(@Arg('id', () => String) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return setDefaultPaymentMethod(ctx, actor, id);
  }

  @Authorized('billing:write')
  @Mutation(() => [PaymentMethod], { description: 'Removes a saved card; answers the saved cards left.' })
  removePaymentMethod(@Arg('id', () => String) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return removePaymentMethod(ctx, actor, id);
  }

  @Authorized('billing:write')
  @Mutation(() => TopUp, { description: 'Charges a saved card; the balance is credited when Stripe confirms the payment.' })
  topUp(@Arg('input', () => TopUpInput) input: TopUpInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return topUp(ctx, actor, input);
  }

  @Authorized('billing:write')
  @Mutation(() => AutoRecharge, { description: 'Turns auto-recharge on (or re-enables it after a failure).' })
  configureAutoRecharge(@Arg('input', () => AutoRechargeInput) input: AutoRechargeInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return configureAutoRecharge(ctx, actor, input);
  }

  @Authorized('billing:write')
  @Mutation(() => AutoRecharge, { nullable: true, description: 'Turns auto-recharge off.' })
  disableAutoRecharge(@IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return disableAutoRecharge(ctx, actor);
  }
}
