import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RecordingStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';

registerEnumType(RecordingStatus, {
  name: 'RecordingStatus',
  description: 'recording → processing (stopped; the carrier is preparing the audio) → available (downloadable), or failed (the carrier lost the audio; see failureReason).',
});

@ObjectType({ description: 'A recording of one of the tenant’s calls.' })
export class Recording {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  callId!: string;

  @Field(() => RecordingStatus)
  status!: RecordingStatus;

  @Field(() => String, { description: 'single (both parties mixed) or dual (one channel each).' })
  channels!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  stoppedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the audio became downloadable.' })
  availableAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Length of the audio in milliseconds; set once available.' })
  durationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'audio/wav once available.' })
  contentType!: string | null;

  @Field(() => Int, { nullable: true })
  sizeBytes!: number | null;

  @Field(() => String, { nullable: true, description: 'SHA-256 of the audio (hex), also the download’s ETag.' })
  sha256!: string | null;

  @Field(() => String, { nullable: true, description: 'GET this path (with the API key) for the audio, once available.' })
  downloadUrl!: string | null;

  @Field(() => String, { nullable: true, description: 'Why a failed recording has no audio: carrier_recording_lost (the carrier lost it before delivering it).' })
  failureReason!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

export const RecordingConnection = Connection('Recording', Recording);

export function toRecording<T extends { id: string; status: RecordingStatus }>(r: T): T & { downloadUrl: string | null } {
  return { ...r, downloadUrl: r.status === 'available' ? `/v1/recordings/${r.id}/download` : null };
}
