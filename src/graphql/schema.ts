import { GraphQLSchema, printSchema, lexicographicSortSchema } from 'graphql';
import { AuthChecker, buildSchema, getMetadataStorage, NonEmptyArray } from 'type-graphql';
import { BillingResolver } from '../billing/billing.resolver';
import { FundingResolver } from '../billing/funding.resolver';
import { InvoiceResolver } from '../billing/invoice.resolver';
import { PlansResolver } from '../billing/plans.resolver';
import { QuotaResolver } from '../billing/quota.resolver';
import { RefundResolver } from '../billing/refund.resolver';
import { NumbersResolver, PhoneNumberFieldsResolver } from '../numbers/numbers.resolver';
import { EmergencyAddressResolver } from '../numbers/emergency.resolver';
import { CallFieldsResolver, CallsResolver } from '../calls/calls.resolver';
import { PortingOrderFieldsResolver, PortingResolver } from '../porting/porting.resolver';
import { CallControlFieldsResolver, CallControlResolver } from '../calls/calls.control.resolver';
import { InboundCallFieldsResolver, InboundCallsResolver } from '../calls/calls.inbound.resolver';
import { RecordingsResolver } from '../recordings/recordings.resolver';
import { ConferenceFieldsResolver, ConferenceParticipantFieldsResolver, ConferencesResolver } from '../conferences/conferences.resolver';
import { ApiKeyResolver } from '../tenants/api-key.resolver';
import { AuditResolver } from '../audit/audit.resolver';
import { WebhooksResolver, WebhookSubscriptionFieldsResolver } from '../webhooks/webhooks.resolver';
import { actorOf } from '../platform/auth/authenticate';
import { isScope, requireScope } from '../platform/auth/scopes';
import { PubSub } from '../platform/pubsub';
import { GatewayContext } from './context';
import { answerIncludedFirst } from './included';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const RESOLVERS: NonEmptyArray<Function> = [BillingResolver, FundingResolver, PlansResolver, QuotaResolver, InvoiceResolver, RefundResolver, ApiKeyResolver, NumbersResolver, PhoneNumberFieldsResolver, EmergencyAddressResolver, WebhooksResolver, WebhookSubscriptionFieldsResolver, AuditResolver, CallsResolver, CallFieldsResolver, PortingResolver, PortingOrderFieldsResolver, CallControlResolver, CallControlFieldsResolver, InboundCallsResolver, InboundCallFieldsResolver, RecordingsResolver, ConferencesResolver, ConferenceFieldsResolver, ConferenceParticipantFieldsResolver];

/** `@Authorized('billing:read')` is the door check; services check the same scope again. */
const authChecker: AuthChecker<GatewayContext> = ({ context }, scopes) => {
  const actor = actorOf(context.auth);
  for (const scope of scopes) {
    if (!isScope(scope)) throw new Error(`unknown scope ${scope} on a resolver`);
    requireScope(actor, scope);
  }
  return true;
};

export async function buildGatewaySchema(pubSub: PubSub): Promise<GraphQLSchema> {
  // A plain field (no @FieldResolver) is read by graphql-js's own property lookup. type-graphql would otherwise
  // wrap each one for middlewares and roles, of which no field here has any: a 100-node page paid ~700 wrapper
  // calls per request for nothing.
  for (const type of getMetadataStorage().objectTypes) type.simpleResolvers ??= true;
  const schema = await buildSchema({ resolvers: RESOLVERS, authChecker, pubSub, validate: false });
  answerIncludedFirst(schema);
  return schema;
}

/** The SDL checked in at schema/schema.graphql, sorted so it diffs cleanly. */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
