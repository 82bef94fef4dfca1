import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { Recording, toRecording } from '../recordings/recordings.types';
import { callAction, CallActionName } from './calls.actions';
import { CallView } from './calls.events';
import { callLoaders } from './calls.loaders';
import { Call } from './calls.types';
import {
  BridgeCallInput,
  CallMediaSession,
  GatherCallInput,
  StartCallRecordingInput,
  StartCallStreamingInput,
  StartCallTranscriptionInput,
  StopCallStreamingInput,
} from './calls.control-types';

// Call control mutations: one per action of CALL_ACTIONS (hangupCall lives with the calls resolver). Each answers
// the call after the action, with what it now runs (recordings, media).

function run(ctx: GatewayContext, actor: Actor, id: string, action: CallActionName, input?: object | null) {
  return callAction(ctx, actor, id, action, { ...(input ?? {}) }).then((view: CallView) => ({ ...view, from: view.fromNumber, to: view.toNumber }));
}

@Resolver()
export class CallControlResolver {
  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Bridges two answered calls of the tenant (409 call_not_in_required_state unless both are answered and unbridged).' })
  bridgeCall(@Arg('id', () => ID) id: string, @Arg('input', () => BridgeCallInput) input: BridgeCallInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'bridge', input);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Starts recording an answered call (409 conflict while a recording runs).' })
  startCallRecording(@Arg('id', () => ID) id: string, @Arg('input', () => StartCallRecordingInput, { nullable: true }) input: StartCallRecordingInput | null, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'record_start', input);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Stops the running recording (409 recording_already_stopped when none runs); its audio follows.' })
  stopCallRecording(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'record_stop');
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Streams the call’s audio to a WebSocket URL; billed once (409 streaming_already_active for an active stream id).' })
  startCallStreaming(@Arg('id', () => ID) id: string, @Arg('input', () => StartCallStreamingInput) input: StartCallStreamingInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'streaming_start', input);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Stops a stream (404 streaming_not_found when no active stream has the id).' })
  stopCallStreaming(@Arg('id', () => ID) id: string, @Arg('input', () => StopCallStreamingInput, { nullable: true }) input: StopCallStreamingInput | null, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'streaming_stop', input);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Starts transcription; billed once (409 transcription_already_active).' })
  startCallTranscription(@Arg('id', () => ID) id: string, @Arg('input', () => StartCallTranscriptionInput, { nullable: true }) input: StartCallTranscriptionInput | null, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'transcription_start', input);
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Stops transcription (409 transcription_not_active when none runs).' })
  stopCallTranscription(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'transcription_stop');
  }

  @Authorized('calls:write')
  @Mutation(() => Call, { description: 'Collects DTMF digits; billed once. The digits arrive as call.gather.ended (and in the call’s media).' })
  gatherCallDigits(@Arg('id', () => ID) id: string, @Arg('input', () => GatherCallInput, { nullable: true }) input: GatherCallInput | null, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return run(ctx, actor, id, 'gather', input);
  }
}

@Resolver(() => Call)
export class CallControlFieldsResolver {
  @FieldResolver(() => [Recording], { description: 'The call’s recordings, oldest first.' })
  async recordings(@Root() call: { id: string }, @Ctx() ctx: GatewayContext) {
    return (await callLoaders(ctx).recordings.load(call.id)).map(toRecording);
  }

  @FieldResolver(() => [CallMediaSession], { description: 'Streams, transcriptions and gathers the call ran or runs, oldest first.' })
  media(@Root() call: { id: string }, @Ctx() ctx: GatewayContext) {
    return callLoaders(ctx).media.load(call.id);
  }
}
