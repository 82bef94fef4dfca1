import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, registerEnumType, Resolver, Root } from 'type-graphql';
import { CallScreening } from '../generated/prisma/enums';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { callAction } from './calls.actions';
import { CallView } from './calls.events';
import { simulateInboundCall } from './calls.inbound';
import { Call } from './calls.types';

// Inbound calls in GraphQL: answer and reject (call control of a ringing inbound call), the test-mode mutation
// that has the simulated carrier ring one of the tenant's numbers, and what screening made of the caller.

registerEnumType(CallScreening, {
  name: 'CallScreening',
  description: 'An inbound call to a number that screens callers: passed, flagged (failed the carrier’s reputation check; rings, marked) or rejected (refused).',
});

export enum RejectCallCause {
  call_rejected = 'call_rejected',
  user_busy = 'user_busy',
}
registerEnumType(RejectCallCause, { name: 'RejectCallCause', description: 'What the caller is told: call_rejected (SIP 603 Decline) or user_busy (SIP 486). Either ends the call busy.' });

@InputType()
export class RejectCallInput {
  @Field(() => RejectCallCause, { nullable: true, description: 'Default call_rejected.' })
  cause?: RejectCallCause | null;
}

@InputType({ description: 'Test mode: a caller the simulated carrier plays.' })
export class SimulateInboundCallInput {
  @Field(() => String, { description: 'The caller, E.164. A number ending in 666 fails the carrier’s reputation check.' })
  from!: string;

  @Field(() => String, { description: 'One of the tenant’s active numbers (404 number_not_found otherwise).' })
  to!: string;

  @Field(() => Int, { nullable: true, description: 'Seconds it rings unanswered before it ends no_answer: 1–600, default INBOUND_RING_TIMEOUT_SECS.' })
  ringTimeoutSecs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds the caller talks once answered, then hangs up: 1–86400, default fixed per caller (15–300).' })
  talkSecs?: number | null;
}

function toCall(view: CallView) {
  return { ...view, from: view.fromNumber, to: view.toNumber };
}

@Resolver()
export class InboundCallsResolver {
  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Answers a ringing inbound call: prices it, freezes its estimate (402 balance_insufficient leaves it ringing), picks it up.' })
  answerCall(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return callAction(ctx, actor, id, 'answer').then(toCall);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Refuses a ringing inbound call; it ends busy, costing nothing.' })
  rejectCall(@Arg('id', () => ID) id: string, @Arg('input', () => RejectCallInput, { nullable: true }) input: RejectCallInput | null, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return callAction(ctx, actor, id, 'reject', { ...(input ?? {}) }).then(toCall);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Test mode: the simulated carrier rings one of the tenant’s active numbers from `from`; answers the recorded inbound call.' })
  simulateInboundCall(@Arg('input', () => SimulateInboundCallInput) input: SimulateInboundCallInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return simulateInboundCall(ctx, actor, input).then(toCall);
  }
}

@Resolver(() => Call)
export class InboundCallFieldsResolver {
  @FieldResolver(() => CallScreening, { nullable: true, description: 'Inbound calls to a number that screens callers: what screening made of the caller; null otherwise.' })
  screening(@Root() call: { screening?: CallScreening | null }) {
    return call.screening ?? null;
  }
}
