import { Arg, Authorized, Ctx, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { LedgerKind } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { listLedgerEntries, usage } from './usage.service';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { tenantEvents } from '../graphql/subscription-source';
import { Actor } from '../platform/auth/scopes';
import { getAccount } from './account.service';
import { getQuota } from './quota.service';
import { BalanceChangeNotice } from '../platform/pubsub';
import { Account, BalanceChange, LedgerEntryConnection, Quota, Usage } from './billing.types';

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
  @Query(() => LedgerEntryConnection, { description: 'The ledger, newest first.' })
  async ledgerEntries(
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1–200 (default 50).' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('kind', () => LedgerKind, { nullable: true }) kind: LedgerKind | null,
    @Arg('from', () => Date, { nullable: true, description: 'Entries at or after this instant.' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Entries before this instant.' }) to: Date | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listLedgerEntries(ctx, actor, { kind, from, to }, { first, after }));
  }

  @Authorized('billing:read')
  @Query(() => Usage, { description: 'Spend and counts by kind over [from, to); by default this UTC month so far.' })
  usage(
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ): Promise<Usage> {
    return usage(ctx, actor, { from, to });
  }

  @Authorized('billing:read')
  @Subscription(() => BalanceChange, {
    description: 'The caller’s account, each time its balance changes.',
    // Checked when subscribing, not only per event: a key without the scope never gets a stream.
    subscribe: tenantEvents('BALANCE_CHANGED', 'billing:read'),
  })
  async balanceChanged(@Root() event: BalanceChangeNotice, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext): Promise<BalanceChange> {
    // The account as read now, with the balance as of this event: a burst of changes shows every step.
    const account = await getAccount(ctx, actor);
    const { creditLimitCents, heldCents } = account.balance;
    const amountCents = BigInt(event.balanceAfterCents);
    return {
      ...account,
      balance: { ...account.balance, amountCents, availableCents: amountCents + creditLimitCents - heldCents },
      eventId: event.eventId,
      sequence: event.sequence,
      committedAt: new Date(event.committedAt),
    };
  }
}
