import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConferenceParticipantStatus, ConferenceStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';

registerEnumType(ConferenceStatus, { name: 'ConferenceStatus', description: 'active from creation; ended once ended explicitly, or when its last participant left (end_when_empty).' });
registerEnumType(ConferenceParticipantStatus, { name: 'ConferenceParticipantStatus', description: 'joined, or left (kicked, hung up, or the conference ended).' });

@InputType({ description: 'A conference to open. Every field has a default.' })
export class CreateConferenceInput {
  @Field(() => String, { nullable: true, description: 'A label of yours, up to 100 characters.' })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: 'Participants joined at once: 2–100, default 10 (409 conference_full beyond).' })
  maxParticipants?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'End the conference when its last participant leaves (default true); false keeps it open until ended.' })
  endWhenEmpty?: boolean | null;
}

@InputType()
export class AddConferenceParticipantInput {
  @Field(() => ID, { description: 'An answered call of the tenant, in no other conference.' })
  callId!: string;

  @Field(() => Boolean, { nullable: true, description: 'Join muted (default false).' })
  muted?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Join on hold (default false).' })
  onHold?: boolean | null;
}

@ObjectType({ description: 'One call’s stay in a conference.' })
export class ConferenceParticipant {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  conferenceId!: string;

  @Field(() => ID)
  callId!: string;

  @Field(() => ConferenceParticipantStatus)
  status!: ConferenceParticipantStatus;

  @Field(() => Boolean, { description: 'The others do not hear it.' })
  muted!: boolean;

  @Field(() => Boolean, { description: 'It hears hold music; the others do not hear it.' })
  onHold!: boolean;

  @Field(() => Date)
  joinedAt!: Date;

  @Field(() => Date, { nullable: true })
  leftAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'kicked, hangup or conference_ended.' })
  leaveReason!: string | null;
}

@ObjectType({ description: 'A conference room of the tenant’s calls.' })
export class Conference {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => ConferenceStatus)
  status!: ConferenceStatus;

  @Field(() => Int)
  maxParticipants!: number;

  @Field(() => Boolean)
  endWhenEmpty!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'requested, or last_participant_left.' })
  endReason!: string | null;
}

export const ConferenceConnection = Connection('Conference', Conference);

@ObjectType({ description: 'A conference or one of its participants changed.' })
export class ConferenceChangeEvent {
  @Field(() => ID, { description: 'The outbox event (the same id webhooks carry).' })
  eventId!: string;

  @Field(() => String, { description: 'conference.created, conference.participant.joined / left / updated, conference.ended.' })
  eventType!: string;

  @Field(() => Int, { description: 'Per conference, from 1, in commit order.' })
  sequence!: number;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => Date, { description: 'When the gateway committed the change (its clock).' })
  committedAt!: Date;

  @Field(() => Conference)
  conference!: Conference;

  @Field(() => ConferenceParticipant, { nullable: true, description: 'The participant the event is about (participant events only).' })
  participant!: ConferenceParticipant | null;
}
