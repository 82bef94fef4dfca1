import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { RecordingStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { deleteRecording, getRecording, listRecordings } from './recordings.service';
import { Recording, RecordingConnection, toRecording } from './recordings.types';

@Resolver()
export class RecordingsResolver {
  @Authorized('calls:read')
  @Query(() => RecordingConnection, { description: 'The tenant’s recordings, newest first.' })
  async recordings(
    @Arg('callId', () => ID, { nullable: true }) callId: string | null,
    @Arg('status', () => RecordingStatus, { nullable: true }) status: RecordingStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    const page = await listRecordings(ctx, actor, { callId, status }, { first, after });
    return toConnection({ ...page, nodes: page.nodes.map(toRecording) });
  }

  @Authorized('calls:read')
  @Query(() => Recording, { description: 'One of the tenant’s recordings (not_found otherwise). The audio itself: GET downloadUrl.' })
  recording(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getRecording(ctx, actor, id).then(toRecording);
  }

  @Authorized('calls:write')
  @Mutation(() => Recording, { description: 'Deletes a recording and its audio (409 conflict while it is still recording).' })
  deleteRecording(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return deleteRecording(ctx, actor, id).then((r) => ({ ...toRecording(r), downloadUrl: null }));
  }
}
