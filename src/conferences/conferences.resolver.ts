import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Call } from '../calls/calls.types';
import { ConferenceParticipantStatus, ConferenceStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { tenantEvents } from '../graphql/subscription-source';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { ConferenceChange } from '../platform/pubsub';
import { ParticipantView } from './conferences.events';
import { conferenceLoaders } from './conferences.loaders';
import { addParticipant, participantAction, ParticipantActionName } from './conferences.participants';
import { createConference, endConference, getConference, listConferences, listParticipants } from './conferences.service';
import { AddConferenceParticipantInput, Conference, ConferenceChangeEvent, ConferenceConnection, ConferenceParticipant, CreateConferenceInput } from './conferences.types';

// Conferences are call control: calls:read to look, calls:write to change (the scopes of the calls they hold).

const act = (ctx: GatewayContext, actor: Actor, conferenceId: string, participantId: string, action: ParticipantActionName) => participantAction(ctx, actor, conferenceId, participantId, action);

@Resolver()
export class ConferencesResolver {
  @Authorized('calls:write')
  @Mutation(() => Conference, { description: 'Opens a conference the tenant’s answered calls can join.' })
  createConference(@Arg('input', () => CreateConferenceInput, { nullable: true }) input: CreateConferenceInput | null, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return createConference(ctx, actor, input ?? {});
  }

  @Authorized('calls:read')
  @Query(() => Conference, { description: 'One of the tenant’s conferences (conference_not_found otherwise).' })
  conference(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getConference(ctx, actor, id);
  }

  @Authorized('calls:read')
  @Query(() => ConferenceConnection, { description: 'The tenant’s conferences, newest first.' })
  async conferences(
    @Arg('status', () => ConferenceStatus, { nullable: true }) status: ConferenceStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listConferences(ctx, actor, { status }, { first, after }));
  }

  @Authorized('calls:read')
  @Query(() => [ConferenceParticipant], { description: 'A conference’s participants in the order they joined (conference_not_found otherwise).' })
  conferenceParticipants(
    @Arg('conferenceId', () => ID) conferenceId: string,
    @Arg('status', () => ConferenceParticipantStatus, { nullable: true }) status: ConferenceParticipantStatus | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return listParticipants(ctx, actor, conferenceId, { status });
  }

  @Authorized('calls:write')
  @Mutation(() => ConferenceParticipant, { description: 'Joins an answered call (409 conference_full at max_participants; call_already_ended / call_not_in_required_state for a call that is not answered).' })
  addConferenceParticipant(
    @Arg('conferenceId', () => ID) conferenceId: string,
    @Arg('input', () => AddConferenceParticipantInput) input: AddConferenceParticipantInput,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return addParticipant(ctx, actor, conferenceId, input);
  }

  @Authorized('calls:write')
  @Mutation(() => ConferenceParticipant, { description: 'Mutes a joined participant (409 conference_action_invalid when muted already, or left).' })
  muteConferenceParticipant(@Arg('conferenceId', () => ID) conferenceId: string, @Arg('participantId', () => ID) participantId: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return act(ctx, actor, conferenceId, participantId, 'mute');
  }

  @Authorized('calls:write')
  @Mutation(() => ConferenceParticipant, { description: 'Unmutes a muted participant (409 conference_action_invalid when not muted, or left).' })
  unmuteConferenceParticipant(@Arg('conferenceId', () => ID) conferenceId: string, @Arg('participantId', () => ID) participantId: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return act(ctx, actor, conferenceId, participantId, 'unmute');
  }

  @Authorized('calls:write')
  @Mutation(() => ConferenceParticipant, { description: 'Puts a participant on hold (409 conference_action_invalid when on hold already, or left).' })
  holdConferenceParticipant(@Arg('conferenceId', () => ID) conferenceId: string, @Arg('participantId', () => ID) participantId: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return act(ctx, actor, conferenceId, participantId, 'hold');
  }

  @Authorized('calls:write')
  @Mutation(() => ConferenceParticipant, { description: 'Takes a participant off hold (409 conference_action_invalid when not on hold, or left).' })
  unholdConferenceParticipant(@Arg('conferenceId', () => ID) conferenceId: string, @Arg('participantId', () => ID) participantId: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return act(ctx, actor, conferenceId, participantId, 'unhold');
  }

  @Authorized('calls:write')
  @Mutation(() => ConferenceParticipant, { description: 'Removes a participant; its call stays up (409 conference_action_invalid when it left already).' })
  kickConferenceParticipant(@Arg('conferenceId', () => ID) conferenceId: string, @Arg('participantId', () => ID) participantId: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return act(ctx, actor, conferenceId, participantId, 'kick');
  }

  @Authorized('calls:write')
  @Mutation(() => Conference, { description: 'Ends the conference: every participant leaves, their calls stay up (409 conference_action_invalid once ended).' })
  endConference(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return endConference(ctx, actor, id);
  }

  @Authorized('calls:read')
  @Subscription(() => ConferenceChangeEvent, {
    description: 'The tenant’s conferences (or one conference) changing: created, participants joining, leaving, muted or held, ended; as they commit.',
    subscribe: tenantEvents('CONFERENCE_CHANGED', 'calls:read', (payload: ConferenceChange, args: { id?: string | null }) => !args.id || payload.conferenceId === args.id),
  })
  async conferenceChanged(@Arg('id', () => ID, { nullable: true }) _id: string | null, @Root() change: ConferenceChange, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    const participants = change.participantId ? await listParticipants(ctx, actor, change.conferenceId) : [];
    return {
      eventId: change.eventId,
      eventType: change.eventType,
      sequence: change.sequence,
      occurredAt: new Date(change.occurredAt),
      committedAt: new Date(change.committedAt),
      conference: await getConference(ctx, actor, change.conferenceId),
      participant: participants.find((p) => p.id === change.participantId) ?? null,
    };
  }
}

@Resolver(() => Conference)
export class ConferenceFieldsResolver {
  @FieldResolver(() => [ConferenceParticipant], { description: 'Every stay, in the order they joined (a call that rejoined shows twice).' })
  async participants(@Root() conference: { id: string }, @Arg('status', () => ConferenceParticipantStatus, { nullable: true }) status: ConferenceParticipantStatus | null, @Ctx() ctx: GatewayContext) {
    const all = await conferenceLoaders(ctx).participants.load(conference.id);
    return status ? all.filter((p) => p.status === status) : all;
  }
}

@Resolver(() => ConferenceParticipant)
export class ConferenceParticipantFieldsResolver {
  @FieldResolver(() => Call, { nullable: true, description: 'The participant’s call.' })
  async call(@Root() participant: Pick<ParticipantView, 'callId'>, @Ctx() ctx: GatewayContext) {
    const view = await conferenceLoaders(ctx).call.load(participant.callId);
    return view ? { ...view, from: view.fromNumber, to: view.toNumber } : null;
  }
}
