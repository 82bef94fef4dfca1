import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { WebhookDeliveryStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { tenantEvents } from '../graphql/subscription-source';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { ApiError } from '../platform/errors';
import { EventEnvelope } from './payload';
import { listWebhookDeliveries, retryWebhookDelivery } from './deliveries.service';
import {
  createWebhookSubscription,
  deleteWebhookSubscription,
  getWebhookSubscription,
  listWebhookSubscriptions,
  rotateWebhookSigningSecret,
  updateWebhookSubscription,
} from './subscriptions.service';
import {
  CreateWebhookSubscriptionInput,
  RotateWebhookSecretInput,
  UpdateWebhookSubscriptionInput,
  VoepyEvent,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookSubscription,
  WebhookSubscriptionConnection,
} from './webhooks.types';

@Resolver()
export class WebhooksResolver {
  @Authorized('webhooks:read')
  @Query(() => WebhookSubscriptionConnection, { description: 'The tenant’s webhook subscriptions, newest first.' })
  async webhookSubscriptions(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listWebhookSubscriptions(ctx, actor, { first, after }));
  }

  @Authorized('webhooks:read')
  @Query(() => WebhookSubscription, { description: 'One of the tenant’s subscriptions (subscription_not_found otherwise).' })
  webhookSubscription(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getWebhookSubscription(ctx, actor, id);
  }

  @Authorized('webhooks:read')
  @Query(() => WebhookDeliveryConnection, { description: 'Deliveries, newest first, each with every attempt.' })
  async webhookDeliveries(
    @Arg('subscriptionId', () => ID, { nullable: true }) subscriptionId: string | null,
    @Arg('eventType', () => String, { nullable: true }) eventType: string | null,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listWebhookDeliveries(ctx, actor, { subscriptionId, eventType, status }, { first, after }));
  }

  @Authorized('webhooks:write')
  @Mutation(() => WebhookSubscription, { description: 'Subscribes an https URL to event types; the signing secret is in this answer only.' })
  createWebhookSubscription(@Arg('input', () => CreateWebhookSubscriptionInput) input: CreateWebhookSubscriptionInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return createWebhookSubscription(ctx, actor, input);
  }

  @Authorized('webhooks:write')
  @Mutation(() => WebhookSubscription, { description: 'Changes url, event types, description or enabled; only the fields sent change.' })
  updateWebhookSubscription(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookSubscriptionInput) input: UpdateWebhookSubscriptionInput,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return updateWebhookSubscription(ctx, actor, id, { ...input });
  }

  @Authorized('webhooks:write')
  @Mutation(() => WebhookSubscription, { description: 'Deletes a subscription and its delivery history.' })
  deleteWebhookSubscription(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return deleteWebhookSubscription(ctx, actor, id);
  }

  @Authorized('webhooks:write')
  @Mutation(() => WebhookSubscription, { description: 'A new signing secret, in this answer only; the old one also signs during the grace period.' })
  rotateWebhookSigningSecret(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => RotateWebhookSecretInput, { nullable: true }) input: RotateWebhookSecretInput | null,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return rotateWebhookSigningSecret(ctx, actor, id, input?.gracePeriodSeconds);
  }

  @Authorized('webhooks:write')
  @Mutation(() => WebhookDelivery, { description: 'Sends a delivery again now.' })
  retryWebhookDelivery(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return retryWebhookDelivery(ctx, actor, id);
  }

  @Authorized('webhooks:read')
  @Subscription(() => VoepyEvent, {
    description: 'Every event of the tenant as it commits (optionally some types, or one connection’s).',
    subscribe: tenantEvents('EVENT_RECORDED', 'webhooks:read', (payload: EventEnvelope, args: { types?: string[] | null; connectionId?: string | null }) =>
      (!args.types?.length || args.types.includes(payload.type)) && (!args.connectionId || payload.connection_id === args.connectionId)),
  })
  eventRecorded(
    @Arg('types', () => [String], { nullable: true }) _types: string[] | null,
    @Arg('connectionId', () => ID, { nullable: true }) _connectionId: string | null,
    @Root() event: EventEnvelope,
  ): VoepyEvent {
    return {
      id: event.id,
      type: event.type,
      occurredAt: new Date(event.occurred_at),
      sequence: event.sequence,
      resourceType: event.resource_type,
      resourceId: event.resource_id,
      connectionId: event.connection_id,
      data: event.data,
    };
  }
}

@Resolver(() => WebhookSubscription)
export class WebhookSubscriptionFieldsResolver {
  @FieldResolver(() => String, { description: 'Only in the answer to creation or rotation; reading it later is 404 signing_secret_unavailable.' })
  signingSecret(@Root() subscription: WebhookSubscription): string {
    if (!subscription.revealedSigningSecret) {
      throw new ApiError('signing_secret_unavailable', 'The signing secret is shown only once, at creation (or rotation). Rotate it, or delete and recreate the subscription.');
    }
    return subscription.revealedSigningSecret;
  }
}
