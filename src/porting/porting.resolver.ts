import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { PortingOrderStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { tenantEvents } from '../graphql/subscription-source';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { PortingOrderChangeNotice } from '../platform/pubsub';
import { checkPortability, csrCoverage } from './porting-checks.service';
import { getPortingDocument, listPortingDocuments } from './porting-documents.service';
import { cancelPortingOrder, createPortingOrder, getPortingOrder, listPortingOrders } from './porting-orders.service';
import { portingLoaders } from './porting.loaders';
import {
  CreatePortingOrderInput,
  CsrCoverage,
  CsrCoverageInput,
  PortabilityResult,
  PortingDocument,
  PortingDocumentConnection,
  PortingOrder,
  PortingOrderChange,
  PortingOrderConnection,
} from './porting.types';

@Resolver()
export class PortingResolver {
  @Authorized('numbers:read')
  @Query(() => [PortabilityResult], { description: 'Porting pre-flight: can these numbers come to voepy?' })
  portabilityCheck(@Arg('phoneNumbers', () => [String]) phoneNumbers: string[], @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return checkPortability(ctx, actor, phoneNumbers);
  }

  @Authorized('numbers:read')
  @Query(() => [CsrCoverage], { description: 'The losing carrier’s Customer Service Record of each number.' })
  csrCoverage(@Arg('input', () => CsrCoverageInput) input: CsrCoverageInput, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return csrCoverage(ctx, actor, input.phoneNumbers);
  }

  @Authorized('numbers:read')
  @Query(() => PortingDocumentConnection, { description: 'The tenant’s porting documents, newest first.' })
  async portingDocuments(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listPortingDocuments(ctx, actor, { first, after }));
  }

  @Authorized('numbers:read')
  @Query(() => PortingDocument, { description: 'One of the tenant’s porting documents (not_found otherwise).' })
  portingDocument(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getPortingDocument(ctx, actor, id);
  }

  @Authorized('numbers:read')
  @Query(() => PortingOrderConnection, { description: 'The tenant’s porting orders, newest first.' })
  async portingOrders(
    @Arg('status', () => PortingOrderStatus, { nullable: true }) status: PortingOrderStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listPortingOrders(ctx, actor, { status }, { first, after }));
  }

  @Authorized('numbers:read')
  @Query(() => PortingOrder, { description: 'One of the tenant’s porting orders (not_found otherwise).' })
  portingOrder(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getPortingOrder(ctx, actor, id);
  }

  @Authorized('numbers:write')
  @Mutation(() => PortingOrder, { description: 'Submits a porting order; it moves through its states over business days.' })
  createPortingOrder(@Arg('input', () => CreatePortingOrderInput) input: CreatePortingOrderInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return createPortingOrder(ctx, actor, input);
  }

  @Authorized('numbers:write')
  @Mutation(() => PortingOrder, { description: 'Cancels a porting order before any of its numbers has moved.' })
  cancelPortingOrder(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return cancelPortingOrder(ctx, actor, id);
  }

  @Authorized('numbers:read')
  @Subscription(() => PortingOrderChange, {
    description: 'A porting order of the tenant entered a new state (optionally one order).',
    subscribe: tenantEvents('PORTING_ORDER_CHANGED', 'numbers:read', (payload: PortingOrderChangeNotice, args: { id?: string | null }) => !args.id || payload.portingOrderId === args.id),
  })
  async portingOrderChanged(
    @Arg('id', () => ID, { nullable: true }) _id: string | null,
    @Root() change: PortingOrderChangeNotice,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return {
      ...(await getPortingOrder(ctx, actor, change.portingOrderId)),
      eventId: change.eventId,
      eventType: change.eventType,
      sequence: change.sequence,
      occurredAt: new Date(change.occurredAt),
      committedAt: new Date(change.committedAt),
    };
  }
}

@Resolver(() => PortingOrder)
export class PortingOrderFieldsResolver {
  @FieldResolver(() => [PortingDocument], { description: 'The documents submitted with the order.' })
  async documents(@Root() order: { documentIds: string[] }, @Ctx() ctx: GatewayContext) {
    const docs = await portingLoaders(ctx).document.loadMany(order.documentIds);
    return docs.filter((d): d is Exclude<typeof d, Error | null> => d !== null && !(d instanceof Error));
  }
}
