import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { WebhookDeliveryStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';

registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus', description: 'pending until sent or given up; succeeded and failed are final (a retry makes it pending again).' });

@ObjectType({ description: 'Where the tenant’s events are POSTed, signed with the subscription’s secret.' })
export class WebhookSubscription {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'An https URL.' })
  url!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => [String], { description: 'Event type names, or ["*"] for every type.' })
  eventTypes!: string[];

  @Field(() => ID, { nullable: true, description: 'Scoped to this connection: only its events are sent.' })
  connectionId!: string | null;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the gateway disabled it (every attempt failing for too long).' })
  disabledReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'Until then the secret replaced by the last rotation still signs (a second v1).' })
  previousSecretExpiresAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  /** Resolved by WebhookSubscriptionFieldsResolver: only creation and rotation reveal it. */
  revealedSigningSecret?: string;
}

export const WebhookSubscriptionConnection = Connection('WebhookSubscription', WebhookSubscription);

@InputType()
export class CreateWebhookSubscriptionInput {
  @Field(() => String, { description: 'An https URL (400 invalid_target_url otherwise).' })
  url!: string;

  @Field(() => [String], { description: 'Event type names, or ["*"] for all (400 event_types_required when empty).' })
  eventTypes!: string[];

  @Field(() => ID, { nullable: true, description: 'Only this connection’s events.' })
  connectionId?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 500 characters.' })
  description?: string | null;
}

@InputType({ description: 'Only the fields sent change.' })
export class UpdateWebhookSubscriptionInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  eventTypes?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'true re-enables a subscription the gateway disabled.' })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class RotateWebhookSecretInput {
  @Field(() => Int, { nullable: true, description: 'Seconds the old secret keeps signing (0 ends it now); WEBHOOK_SECRET_GRACE_SECONDS by default.' })
  gracePeriodSeconds?: number | null;
}

@ObjectType({ description: 'One try at sending a delivery.' })
export class WebhookDeliveryAttempt {
  @Field(() => Int)
  attempt!: number;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Int, { nullable: true, description: 'The receiver’s HTTP status; null when no answer came.' })
  statusCode!: number | null;

  @Field(() => Int)
  latencyMs!: number;

  @Field(() => String, { nullable: true, description: 'Timeout, network or TLS error, or the non-2xx status.' })
  error!: string | null;

  @Field(() => Boolean)
  succeeded!: boolean;
}

@ObjectType({ description: 'One event sent to one subscription, with every attempt.' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  subscriptionId!: string;

  @Field(() => ID)
  eventId!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => String)
  resourceType!: string;

  @Field(() => String)
  resourceId!: string;

  @Field(() => Int)
  sequence!: number;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int)
  attemptCount!: number;

  @Field(() => Date, { nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => [WebhookDeliveryAttempt])
  attempts!: WebhookDeliveryAttempt[];
}

export const WebhookDeliveryConnection = Connection('WebhookDelivery', WebhookDelivery);

@ObjectType({ description: 'Something that happened: the same id, occurred_at and sequence as in webhook bodies.' })
export class VoepyEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => Int, { description: 'Per resource, from 1, in commit order.' })
  sequence!: number;

  @Field(() => String)
  resourceType!: string;

  @Field(() => String)
  resourceId!: string;

  @Field(() => ID, { nullable: true })
  connectionId!: string | null;

  @Field(() => GraphQLJSON, { description: 'The resource as the REST API shows it (snake_case).' })
  data!: unknown;
}
