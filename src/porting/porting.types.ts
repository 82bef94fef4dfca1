import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { NumberType, PortingOrderStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';

registerEnumType(PortingOrderStatus, {
  name: 'PortingOrderStatus',
  description: 'submitted → in_process → foc_date_confirmed → (partially_ported →) ported, over business days; or cancelled.',
});

@ObjectType({ description: 'Whether a number can be ported in, and how.' })
export class PortabilityResult {
  @Field(() => String)
  phoneNumber!: string;

  @Field(() => String)
  countryCode!: string;

  @Field(() => Boolean)
  portable!: boolean;

  @Field(() => String, { nullable: true, description: 'Why not: country_not_supported, porting_not_supported, already_on_voepy.' })
  reason!: string | null;

  @Field(() => Boolean, { description: 'Ports on the first business day after confirmation (otherwise the third).' })
  fastPortable!: boolean;

  @Field(() => String)
  losingCarrier!: string;

  @Field(() => NumberType, { nullable: true, description: 'The type (and so the price) the number will have here.' })
  numberType!: NumberType | null;
}

@ObjectType({ description: 'The losing carrier’s Customer Service Record: what a porting order must match.' })
export class CustomerServiceRecord {
  @Field(() => String)
  accountNumber!: string;

  @Field(() => String, { description: 'The account holder.' })
  entityName!: string;

  @Field(() => String)
  streetAddress!: string;

  @Field(() => String)
  locality!: string;

  @Field(() => String)
  administrativeArea!: string;

  @Field(() => String)
  postalCode!: string;

  @Field(() => String)
  countryCode!: string;

  @Field(() => String)
  losingCarrier!: string;
}

@ObjectType()
export class CsrCoverage {
  @Field(() => String)
  phoneNumber!: string;

  @Field(() => Boolean, { description: 'The losing carrier has a CSR for it (portable numbers only).' })
  covered!: boolean;

  @Field(() => CustomerServiceRecord, { nullable: true })
  csr!: CustomerServiceRecord | null;
}

@ObjectType({ description: 'An uploaded LOA or bill, owned by the tenant (upload: POST /v1/numbers/porting-documents, multipart).' })
export class PortingDocument {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'loa or bill' })
  documentType!: string;

  @Field(() => String)
  filename!: string;

  @Field(() => String, { description: 'application/pdf, image/png or image/jpeg, recognised from the content.' })
  contentType!: string;

  @Field(() => Int)
  sizeBytes!: number;

  @Field(() => String)
  sha256!: string;

  @Field(() => Date)
  createdAt!: Date;
}

export const PortingDocumentConnection = Connection('PortingDocument', PortingDocument);

@ObjectType()
export class PortingOrderNumber {
  @Field(() => String)
  phoneNumber!: string;

  @Field(() => String)
  countryCode!: string;

  @Field(() => NumberType)
  numberType!: NumberType;

  @Field(() => Boolean)
  fastPortable!: boolean;

  @Field(() => String, { description: 'pending, ported, failed or cancelled' })
  status!: string;

  @Field(() => Date, { nullable: true, description: 'Its firm order commitment: when it moves.' })
  focAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The active number it became, once ported.' })
  phoneNumberId!: string | null;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;
}

@ObjectType()
export class PortingUserFeedback {
  @Field(() => String, { nullable: true })
  comment!: string | null;
}

@ObjectType()
export class PortingEndUser {
  @Field(() => String, { nullable: true })
  entityName!: string | null;

  @Field(() => String, { nullable: true })
  accountNumber!: string | null;

  @Field(() => String, { nullable: true })
  postalCode!: string | null;
}

@ObjectType({ description: 'A request to bring numbers from another carrier.' })
export class PortingOrder {
  @Field(() => ID)
  id!: string;

  @Field(() => PortingOrderStatus)
  status!: PortingOrderStatus;

  @Field(() => [String])
  phoneNumbers!: string[];

  @Field(() => [PortingOrderNumber])
  numbers!: PortingOrderNumber[];

  @Field(() => [ID])
  documentIds!: string[];

  @Field(() => PortingUserFeedback)
  userFeedback!: PortingUserFeedback;

  @Field(() => PortingEndUser, { nullable: true })
  endUser!: PortingEndUser | null;

  @Field(() => Date, { nullable: true, description: 'Firm order commitment of the order: when its last number moves.' })
  focDate!: Date | null;

  @Field(() => Date)
  statusChangedAt!: Date;

  @Field(() => Date, { nullable: true })
  portedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  cancelledAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}

export const PortingOrderConnection = Connection('PortingOrder', PortingOrder);

@ObjectType({ description: 'A porting order as it is after a change, with the event that recorded the change.' })
export class PortingOrderChange extends PortingOrder {
  @Field(() => ID, { description: 'The outbox event (the id eventRecorded and webhooks carry).' })
  eventId!: string;

  @Field(() => String, { description: 'porting_order.<status>: submitted, in_process, foc_date_confirmed, partially_ported, ported or cancelled.' })
  eventType!: string;

  @Field(() => Int, { description: 'Per order, from 1, in commit order: the event’s sequence.' })
  sequence!: number;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => Date, { description: 'When the gateway committed the change (its clock).' })
  committedAt!: Date;
}

@InputType()
export class PortingUserFeedbackInput {
  @Field(() => String, { nullable: true, description: 'At most 1000 characters.' })
  comment?: string | null;
}

@InputType({ description: 'What the losing carrier’s records hold; each field given must match the CSR (422 csr_mismatch).' })
export class PortingEndUserInput {
  @Field(() => String, { nullable: true })
  entityName?: string | null;

  @Field(() => String, { nullable: true })
  accountNumber?: string | null;

  @Field(() => String, { nullable: true })
  postalCode?: string | null;
}

@InputType()
export class CreatePortingOrderInput {
  @Field(() => [String], { description: 'E.164 numbers of one account at the losing carrier.' })
  phoneNumbers!: string[];

  @Field(() => PortingUserFeedbackInput, { nullable: true })
  userFeedback?: PortingUserFeedbackInput | null;

  @Field(() => [ID], { nullable: true, description: 'Uploaded porting documents: at least one loa and one bill (422 documents_required).' })
  documents?: string[] | null;

  @Field(() => PortingEndUserInput, { nullable: true })
  endUser?: PortingEndUserInput | null;
}

@InputType()
export class CsrCoverageInput {
  @Field(() => [String])
  phoneNumbers!: string[];
}
