import { Authorized, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import { actorFromContext, CurrentActor, GatewayContext } from '../graphql/context';
import { Actor, requireScope } from '../platform/auth/scopes';
import { getAccount } from './account.service';
import { getQuota } from './quota.service';
import { Account, Quota } from './billing.types';

@Resolver()
export class BillingResolver {
  @Authorized('billing:read')
  @Query(() => Account, { description: 'The caller’s tenant and balance.' })
  account(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext): Promise<Account> {
    return getAccount(ctx, actor);
  }

  @Authorized('billing:read')
  @Query(() => Quota, { description: 'The tenant’s spend and traffic limits.' })
  quota(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext): Promise<Quota> {
    return getQuota(ctx, actor);
  }

  @Authorized('billing:read')
  @Subscription(() => Account, {
    description: 'The caller’s account, each time its balance changes.',
    topics: 'BALANCE_CHANGED',
    // Checked when subscribing, not only per event: a key without the scope never gets a stream.
    topicId: ({ context }: { context: GatewayContext }) => {
      const actor = actorFromContext(context);
      requireScope(actor, 'billing:read');
      return actor.tenantId;
    },
  })
  balanceChanged(@Root() _event: { tenantId: string }, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext): Promise<Account> {
    // Re-read rather than trust the event: the payload only says which tenant changed.
    return getAccount(ctx, actor);
  }
}
