import { Ctx, FieldResolver, Resolver } from 'type-graphql';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { Actor } from '../platform/auth/scopes';
import { startOfUtcDay } from '../platform/clock';
import { CentsScalar } from '../platform/money';
import { getAutoRecharge } from './auto-recharge.service';
import { Quota } from './billing.types';
import { AutoRecharge } from './funding.types';
import { spentToday } from './daily-spend';

/** The parts of the quota that live elsewhere, resolved only when asked for. */
@Resolver(() => Quota)
export class QuotaResolver {
  @FieldResolver(() => AutoRecharge, { nullable: true, description: 'The auto-recharge configuration, if any.' })
  autoRecharge(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getAutoRecharge(ctx, actor);
  }

  @FieldResolver(() => CentsScalar, { description: 'Debited since UTC midnight; the daily spend cap compares against this.' })
  spentTodayCents(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return spentToday(ctx, actor.tenantId, startOfUtcDay(ctx.clock.now()));
  }
}
