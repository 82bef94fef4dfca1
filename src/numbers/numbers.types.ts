import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { InboundCallScreening, NumberType, PhoneNumberStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';
import { CentsScalar } from '../platform/money';

registerEnumType(NumberType, { name: 'NumberType', description: 'local, toll_free, national or mobile.' });
registerEnumType(PhoneNumberStatus, { name: 'PhoneNumberStatus', description: 'pending until the carrier activates it; failed or released are final.' });
registerEnumType(InboundCallScreening, { name: 'InboundCallScreening' });

@ObjectType({ description: 'The customer price (after markup): what will be debited.' })
export class AvailableNumberPricing {
  @Field(() => CentsScalar, { description: 'The one-time activation fee (NRC).' })
  activationFeeCents!: bigint;

  @Field(() => CentsScalar, { description: 'The monthly fee (MRC).' })
  monthlyFeeCents!: bigint;
}

@ObjectType({ description: 'A number in the carrier’s inventory that nobody holds or owns.' })
export class AvailableNumber {
  @Field(() => String)
  phoneNumber!: string;

  @Field(() => String)
  countryCode!: string;

  @Field(() => String, { nullable: true })
  region!: string | null;

  @Field(() => String, { nullable: true })
  locality!: string | null;

  @Field(() => NumberType)
  numberType!: NumberType;

  @Field(() => [String])
  capabilities!: string[];

  @Field(() => AvailableNumberPricing)
  pricing!: AvailableNumberPricing;
}

@ObjectType({ description: 'A DID the tenant bought.' })
export class PhoneNumber {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  e164!: string;

  @Field(() => String)
  countryCode!: string;

  @Field(() => NumberType)
  numberType!: NumberType;

  @Field(() => [String])
  capabilities!: string[];

  @Field(() => PhoneNumberStatus)
  status!: PhoneNumberStatus;

  @Field(() => CentsScalar)
  monthlyPriceCentsCustomer!: bigint;

  @Field(() => CentsScalar)
  activationPriceCentsCustomer!: bigint;

  @Field(() => ID, { nullable: true })
  connectionId!: string | null;

  @Field(() => String, { nullable: true })
  customerReference!: string | null;

  @Field(() => Boolean)
  cnamLookupEnabled!: boolean;

  @Field(() => String, { nullable: true })
  cnamDisplayName!: string | null;

  @Field(() => Boolean)
  techPrefixEnabled!: boolean;

  @Field(() => InboundCallScreening)
  inboundCallScreening!: InboundCallScreening;

  @Field(() => Boolean)
  messagingEnabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why activation failed, for a failed number.' })
  failureReason!: string | null;

  @Field(() => Date)
  orderedAt!: Date;

  @Field(() => Date, { nullable: true })
  activatedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  releasedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The emergency address attached to the number (its emergency endpoint).' })
  emergencyAddressId!: string | null;
}

@ObjectType({
  description:
    'A number of the tenant changed status: the number as it is now, and the event that recorded the change (the id and per-number sequence eventRecorded and webhooks carry), so a client reconnecting can dedupe and order.',
})
export class PhoneNumberStatusChange extends PhoneNumber {
  @Field(() => ID, { description: 'The outbox event (the id eventRecorded and webhooks carry).' })
  eventId!: string;

  @Field(() => String, { description: 'number_order.completed, number_order.failed, phone_number.released or phone_number.ported_in.' })
  eventType!: string;

  @Field(() => Int, { description: 'Per number, from 1, in commit order: the event’s sequence.' })
  sequence!: number;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => Date, { description: 'When the gateway committed the change (its clock).' })
  committedAt!: Date;
}

export const PhoneNumberConnection = Connection('PhoneNumber', PhoneNumber);

@ObjectType({ description: 'Numbers held for the tenant until expiresAt: nobody else can reserve or buy them.' })
export class NumberReservation {
  @Field(() => ID)
  id!: string;

  @Field(() => [String])
  phoneNumbers!: string[];

  @Field(() => String, { description: 'active, expired or released (let go, or consumed by an order)' })
  status!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  releasedAt!: Date | null;
}

@ObjectType('Connection', { description: 'A sub-customer scope grouping numbers; every tenant has a default one.' })
export class NumberConnectionResource {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  isDefault!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class ReserveNumbersInput {
  @Field(() => [String], { description: 'E.164 numbers from the available inventory.' })
  phoneNumbers!: string[];
}

@InputType()
export class OrderNumbersInput {
  @Field(() => [String], { description: 'E.164 numbers, all of this country and type.' })
  phoneNumbers!: string[];

  @Field(() => String, { description: 'ISO 3166-1 alpha-2.' })
  countryCode!: string;

  @Field(() => NumberType)
  numberType!: NumberType;
}

@InputType()
export class AvailableNumbersFilter {
  @Field(() => String)
  countryCode!: string;

  @Field(() => NumberType, { nullable: true })
  numberType?: NumberType | null;

  @Field(() => String, { nullable: true, description: 'Area code / NDC.' })
  nationalDestinationCode?: string | null;

  @Field(() => String, { nullable: true, description: 'City name.' })
  locality?: string | null;

  @Field(() => [String], { nullable: true, description: 'Every listed capability is required (voice, sms, mms, fax).' })
  features?: string[] | null;

  @Field(() => Int, { nullable: true, description: '1 to 100; 25 by default.' })
  limit?: number | null;
}

@InputType({ description: 'Only the fields sent change.' })
export class UpdatePhoneNumberInput {
  @Field(() => String, { nullable: true, description: 'Free-form tag, at most 120 characters; null clears it.' })
  customerReference?: string | null;

  @Field(() => Boolean, { nullable: true })
  cnamLookupEnabled?: boolean | null;

  @Field(() => String, { nullable: true, description: 'At most 15 characters; null clears it.' })
  cnamDisplayName?: string | null;

  @Field(() => Boolean, { nullable: true })
  techPrefixEnabled?: boolean | null;

  @Field(() => InboundCallScreening, { nullable: true })
  inboundCallScreening?: InboundCallScreening | null;

  @Field(() => Boolean, { nullable: true, description: 'Needs the tenant’s messaging profile (409 messaging_profile_not_provisioned).' })
  messagingEnabled?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'One of the tenant’s connections; null detaches.' })
  connectionId?: string | null;
}

@ObjectType({ description: 'What the carrier knows of a number (carrier: carrier and network; caller-name: CNAM).' })
export class NumberLookup {
  @Field(() => String)
  phoneNumber!: string;

  @Field(() => String, { description: 'carrier or caller-name' })
  type!: string;

  @Field(() => String, { nullable: true })
  countryCode?: string | null;

  @Field(() => String, { nullable: true })
  carrierName?: string | null;

  @Field(() => String, { nullable: true, description: 'landline, mobile, voip or toll_free' })
  networkType?: string | null;

  @Field(() => Boolean, { nullable: true })
  ported?: boolean | null;

  @Field(() => String, { nullable: true })
  callerName?: string | null;

  @Field(() => CentsScalar, { description: 'What this lookup was debited.' })
  costCents!: bigint;
}

@InputType()
export class ConnectionInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name!: string;
}
