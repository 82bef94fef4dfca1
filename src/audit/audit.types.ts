import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Connection } from '../graphql/connection';

@ObjectType({ description: 'One state change: who (which API key), what (before/after of the changed fields), when, in which request.' })
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'api_key:<id>, system (jobs, webhooks) or admin_cli.' })
  actor!: string;

  @Field(() => ID, { nullable: true })
  actorKeyId!: string | null;

  @Field(() => String, { description: 'e.g. connection.renamed, webhook_subscription.created.' })
  action!: string;

  @Field(() => String)
  resourceType!: string;

  @Field(() => String)
  resourceId!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  after!: unknown;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

export const AuditEntryConnection = Connection('AuditEntry', AuditEntry);
