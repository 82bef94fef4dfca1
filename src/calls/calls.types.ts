import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AnsweringMachineDetection, CallDirection, CallStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';
import { CentsScalar } from '../platform/money';

registerEnumType(CallStatus, { name: 'CallStatus', description: 'queued → initiated → ringing → answered, then one end: completed, busy, no_answer, failed or canceled.' });
registerEnumType(CallDirection, { name: 'CallDirection' });
registerEnumType(AnsweringMachineDetection, { name: 'AnsweringMachineDetection', description: 'disabled, detect (human or machine), or detect_beep (also waits for the beep).' });

@InputType({ description: 'A call to place. The checks run in order: scope, from, country, prefix, pricing, balance, daily cap, concurrency.' })
export class PlaceCallInput {
  @Field(() => String, { description: 'An active number of the tenant (E.164), or any caller id when the quota allows forwarding.' })
  from!: string;

  @Field(() => String, { description: 'The destination, E.164.' })
  to!: string;

  @Field(() => ID, { nullable: true, description: 'Defaults to the from number’s connection, else the default connection.' })
  connectionId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Seconds to ring before giving up (no_answer): 5–600, default 30.' })
  timeoutSecs?: number | null;

  @Field(() => AnsweringMachineDetection, { nullable: true })
  answeringMachineDetection?: AnsweringMachineDetection | null;

  @Field(() => Boolean, { nullable: true, description: 'Record from the answer.' })
  record?: boolean | null;
}

@InputType()
export class CallPreflightInput {
  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;
}

@ObjectType({ description: 'What a call was charged: its call_charge ledger entry.' })
export class CallCharge {
  @Field(() => ID)
  ledgerEntryId!: string;

  @Field(() => CentsScalar, { description: 'Charged (a positive number; the ledger shows it as a debit).' })
  amountCents!: bigint;

  @Field(() => CentsScalar)
  balanceAfterCents!: bigint;

  @Field(() => String)
  description!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType({ description: 'One state change of a call, with the event that announced it.' })
export class CallTransition {
  @Field(() => CallStatus, { nullable: true, description: 'Null for the creation.' })
  fromStatus!: CallStatus | null;

  @Field(() => CallStatus)
  toStatus!: CallStatus;

  @Field(() => ID, { nullable: true })
  eventId!: string | null;

  @Field(() => String, { nullable: true })
  eventType!: string | null;

  @Field(() => Int, { nullable: true, description: 'The event’s per-call sequence.' })
  sequence!: number | null;

  @Field(() => Date)
  occurredAt!: Date;
}

@ObjectType({ description: 'A call.' })
export class Call {
  @Field(() => ID)
  id!: string;

  @Field(() => CallDirection)
  direction!: CallDirection;

  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;

  @Field(() => CallStatus)
  status!: CallStatus;

  @Field(() => ID, { nullable: true })
  connectionId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The tenant’s number it was placed from (null with a forwarded caller id).' })
  phoneNumberId!: string | null;

  @Field(() => String)
  destinationCountry!: string;

  @Field(() => Int)
  timeoutSecs!: number;

  @Field(() => AnsweringMachineDetection)
  answeringMachineDetection!: AnsweringMachineDetection;

  @Field(() => Boolean)
  record!: boolean;

  @Field(() => String, { nullable: true, description: 'human or machine, once detection decided (calls placed with answering-machine detection).' })
  amdResult!: string | null;

  @Field(() => String, { nullable: true })
  hangupCause!: string | null;

  @Field(() => String, { nullable: true, description: 'caller, callee, carrier or system.' })
  hangupSource!: string | null;

  @Field(() => Date)
  queuedAt!: Date;

  @Field(() => Date, { nullable: true })
  initiatedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  ringingAt!: Date | null;

  @Field(() => Date, { nullable: true })
  answeredAt!: Date | null;

  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Whole seconds from answer to hangup; set when the call ends.' })
  billableSeconds!: number | null;

  @Field(() => Int, { nullable: true, description: 'Of those, seconds covered by the plan’s included minutes.' })
  includedSeconds!: number | null;

  @Field(() => CentsScalar, { nullable: true, description: 'What the call was charged; 0 for unanswered calls; null while in flight.' })
  chargeCents!: bigint | null;

  @Field(() => ID, { nullable: true, description: 'The call it was last bridged with (bridge action).' })
  bridgedCallId!: string | null;

  @Field(() => Date, { nullable: true })
  bridgedAt!: Date | null;
}

export const CallConnection = Connection('Call', Call);

@ObjectType({ description: 'A call changed status.' })
export class CallStatusEvent {
  @Field(() => ID, { description: 'The outbox event (the same id webhooks carry).' })
  eventId!: string;

  @Field(() => String, { description: 'call.initiated, call.ringing, call.answered or call.hangup.' })
  eventType!: string;

  @Field(() => Int, { description: 'Per call, from 1, in commit order.' })
  sequence!: number;

  @Field(() => CallStatus)
  status!: CallStatus;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => Date, { description: 'When the gateway committed the change (its clock): delivery latency is receipt minus this.' })
  committedAt!: Date;

  @Field(() => Call)
  call!: Call;
}

@ObjectType({ description: 'One check of a call, as placing it would run it.' })
export class CallCheck {
  @Field(() => String, { description: 'scope, from_number, destination_country, destination_prefix, pricing, balance, daily_spend_cap, concurrent_call_cap.' })
  check!: string;

  @Field(() => Boolean)
  passed!: boolean;

  @Field(() => String, { nullable: true, description: 'The error code it fails with.' })
  code!: string | null;

  @Field(() => String, { nullable: true })
  message!: string | null;
}

@ObjectType({ description: 'Whether a call would be placed, and why not: every check, without dialling.' })
export class CallPreflight {
  @Field(() => Boolean)
  passed!: boolean;

  @Field(() => String, { nullable: true, description: 'The code placing it would fail with (the first failing check’s).' })
  code!: string | null;

  @Field(() => [CallCheck])
  checks!: CallCheck[];

  @Field(() => String)
  destinationCountry!: string;

  @Field(() => String, { nullable: true, description: 'The price per minute in cents, exact ("0.63").' })
  pricePerMinuteCents!: string | null;

  @Field(() => CentsScalar, { nullable: true, description: 'What placing the call would freeze.' })
  holdCents!: bigint | null;
}
