import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { CallMediaKind, CallMediaStatus } from '../generated/prisma/enums';
import { CentsScalar } from '../platform/money';

// The GraphQL shapes of call control: each action's input, and the media sessions a call runs.

registerEnumType(CallMediaKind, { name: 'CallMediaKind' });
registerEnumType(CallMediaStatus, { name: 'CallMediaStatus' });

export enum RecordingChannels {
  single = 'single',
  dual = 'dual',
}
registerEnumType(RecordingChannels, { name: 'RecordingChannels', description: 'single: both parties in one channel; dual: one channel each.' });

export enum StreamTrack {
  inbound = 'inbound',
  outbound = 'outbound',
  both = 'both',
}
registerEnumType(StreamTrack, { name: 'StreamTrack' });

@InputType()
export class BridgeCallInput {
  @Field(() => ID, { description: 'The other answered call of the tenant.' })
  callId!: string;
}

@InputType()
export class StartCallRecordingInput {
  @Field(() => RecordingChannels, { nullable: true, description: 'Default single.' })
  channels?: RecordingChannels | null;
}

@InputType()
export class StartCallStreamingInput {
  @Field(() => String, { description: 'ws:// or wss:// URL the call’s audio is streamed to.' })
  streamUrl!: string;

  @Field(() => String, { nullable: true, description: 'Names the stream (default "default"); a second active stream needs another id.' })
  streamId?: string | null;

  @Field(() => StreamTrack, { nullable: true, description: 'Default inbound.' })
  track?: StreamTrack | null;
}

@InputType()
export class StopCallStreamingInput {
  @Field(() => String, { nullable: true, description: 'Default "default".' })
  streamId?: string | null;
}

@InputType()
export class StartCallTranscriptionInput {
  @Field(() => String, { nullable: true, description: 'Language tag, default en-US.' })
  language?: string | null;
}

@InputType()
export class GatherCallInput {
  @Field(() => Int, { nullable: true, description: '1–32, default 1.' })
  maxDigits?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds to wait after the last digit: 1–120, default 5.' })
  timeoutSecs?: number | null;

  @Field(() => String, { nullable: true, description: 'One of 0-9, * or #: ends the gather early.' })
  terminatingDigit?: string | null;
}

@ObjectType({ description: 'A stream, transcription or gather a call runs or ran, and the fee it was charged.' })
export class CallMediaSession {
  @Field(() => ID)
  id!: string;

  @Field(() => CallMediaKind)
  kind!: CallMediaKind;

  @Field(() => String, { description: 'The stream id for streams; the kind otherwise.' })
  name!: string;

  @Field(() => CallMediaStatus)
  status!: CallMediaStatus;

  @Field(() => GraphQLJSONObject, { description: 'What it was started with (stream_url, track, language, max_digits …).' })
  params!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'A gather’s digits and why it ended.' })
  result!: Record<string, unknown> | null;

  @Field(() => CentsScalar, { description: 'The one-off action fee charged when it started.' })
  feeCents!: bigint;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  stoppedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'requested, call_ended, or how a gather ended.' })
  stopReason!: string | null;
}
