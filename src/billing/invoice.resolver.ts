import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { InvoiceStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { Actor } from '../platform/auth/scopes';
import { listInvoices } from './invoice.service';
import { InvoiceConnection } from './invoice.types';

@Resolver()
export class InvoiceResolver {
  @Authorized('billing:read')
  @Query(() => InvoiceConnection, { description: 'Monthly invoices, newest first.' })
  async invoices(
    @Arg('status', () => InvoiceStatus, { nullable: true }) status: InvoiceStatus | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1–200 (default 50).' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listInvoices(ctx, actor, { status }, { first, after }));
  }
}
