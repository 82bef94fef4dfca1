import { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { CallDirection, CallStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { asInstance } from '../graphql/instances';
import { nodesShape } from '../graphql/selection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { tenantEvents } from '../graphql/subscription-source';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { numbersLoaders } from '../numbers/numbers.loaders';
import { NumberConnectionResource, PhoneNumber } from '../numbers/numbers.types';
import { Actor, requireScope } from '../platform/auth/scopes';
import { CallStatusChange } from '../platform/pubsub';
import { callAction } from './calls.actions';
import { CallView } from './calls.events';
import { callLoaders } from './calls.loaders';
import { callPreflight } from './calls.preflight';
import { ListedCall, listCalls } from './calls.queries';
import { getCall, placeCall } from './calls.service';
import { Call, CallCharge, CallConnection, CallPreflight, CallPreflightInput, CallStatusEvent, CallTransition, PlaceCallInput } from './calls.types';

@Resolver()
export class CallsResolver {
  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Places an outbound call: every check, a credit hold for the estimate, then the carrier dials.' })
  placeCall(@Arg('input', () => PlaceCallInput) input: PlaceCallInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return placeCall(ctx, actor, input).then(toCall);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Hangs up a call (409 call_already_ended once it ended); answers with the call rated and settled.' })
  hangupCall(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return callAction(ctx, actor, id, 'hangup').then(toCall);
  }

  @Authorized('calls:read')
  @Query(() => Call, { description: 'One of the tenant’s calls (not_found otherwise).' })
  call(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getCall(ctx, actor, id).then(toCall);
  }

  @Authorized('calls:read')
  @Query(() => CallConnection, { description: 'The tenant’s calls, newest first.' })
  async calls(
    @Arg('status', () => CallStatus, { nullable: true }) status: CallStatus | null,
    @Arg('direction', () => CallDirection, { nullable: true }) direction: CallDirection | null,
    @Arg('from', () => String, { nullable: true }) from: string | null,
    @Arg('to', () => String, { nullable: true }) to: string | null,
    @Arg('placedAfter', () => Date, { nullable: true, description: 'Placed at or after this instant.' }) placedAfter: Date | null,
    @Arg('placedBefore', () => Date, { nullable: true, description: 'Placed before this instant.' }) placedBefore: Date | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const shape = nodesShape(info, ['phoneNumber', 'connection', 'charge'], { from: 'fromNumber', to: 'toNumber' });
    const page = await listCalls(ctx, actor, { status, direction, from, to, placedAfter, placedBefore }, { first, after }, shape);
    return toConnection({ ...page, nodes: page.nodes.map(toCall) });
  }

  @Authorized('calls:read')
  @Query(() => CallPreflight, { description: 'Runs every check of placeCall without dialling: pass, or the code each would fail with, and the price per minute.' })
  callPreflight(@Arg('input', () => CallPreflightInput) input: CallPreflightInput, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return callPreflight(ctx, actor, input);
  }

  @Authorized('calls:read')
  @Subscription(() => CallStatusEvent, {
    description: 'The tenant’s calls (or one call) changing status, as they commit.',
    subscribe: tenantEvents('CALL_STATUS_CHANGED', 'calls:read', (payload: CallStatusChange, args: { id?: string | null }) => !args.id || payload.callId === args.id),
  })
  async callStatusChanged(@Arg('id', () => ID, { nullable: true }) _id: string | null, @Root() change: CallStatusChange, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return {
      eventId: change.eventId,
      eventType: change.eventType,
      sequence: change.sequence,
      status: change.status as CallStatus,
      occurredAt: new Date(change.occurredAt),
      committedAt: new Date(change.committedAt),
      call: toCall(await callOfEvent(ctx, actor, change)),
    };
  }
}

/**
 * The call a status event points at, read once per event and shared by every subscriber it is delivered to:
 * the pub/sub hands each of them the same payload object, and they are all of the event's tenant (topics are per
 * tenant), so a thousand subscribers cost one read instead of a thousand. Kept as long as the payload lives.
 */
const callsOfEvents = new WeakMap<CallStatusChange, Promise<CallView>>();

function callOfEvent(ctx: GatewayContext, actor: Actor, change: CallStatusChange): Promise<CallView> {
  if (change.tenantId !== actor.tenantId) return getCall(ctx, actor, change.callId);
  requireScope(actor, 'calls:read');
  let call = callsOfEvents.get(change);
  if (!call) {
    call = getCall(ctx, actor, change.callId);
    callsOfEvents.set(change, call);
  }
  return call;
}

type CallNode = Call & Pick<CallView, 'chargeLedgerEntryId'> & Pick<ListedCall, 'included'>;

function toCall(view: ListedCall): CallNode {
  const call = asInstance(Call, view) as CallNode;
  call.from = view.fromNumber;
  call.to = view.toNumber;
  return call;
}

@Resolver(() => Call)
export class CallFieldsResolver {
  @FieldResolver(() => PhoneNumber, { nullable: true, description: 'The tenant’s number it was placed from.' })
  phoneNumber(@Root() call: CallNode, @Ctx() ctx: GatewayContext) {
    return call.phoneNumberId ? callLoaders(ctx).phoneNumber.load(call.phoneNumberId) : null;
  }

  @FieldResolver(() => NumberConnectionResource, { nullable: true })
  connection(@Root() call: CallNode, @Ctx() ctx: GatewayContext) {
    return call.connectionId ? numbersLoaders(ctx).connection.load(call.connectionId) : null;
  }

  @FieldResolver(() => CallCharge, { nullable: true, description: 'The call_charge ledger entry; null for a call that cost nothing or is in flight.' })
  charge(@Root() call: CallNode, @Ctx() ctx: GatewayContext) {
    return call.chargeLedgerEntryId ? callLoaders(ctx).charge.load(call.chargeLedgerEntryId) : null;
  }

  @FieldResolver(() => [CallTransition], { description: 'Every status change, oldest first, with its event.' })
  events(@Root() call: { id: string }, @Ctx() ctx: GatewayContext) {
    return callLoaders(ctx).transitions.load(call.id);
  }
}
