import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PaymentStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';
import { CentsScalar } from '../platform/money';

@ObjectType()
export class PlanLineItem {
  @Field(() => String, { description: 'voice_minute, phone_number …' })
  kind!: string;

  @Field(() => CentsScalar)
  unitAmountCents!: bigint;

  @Field(() => String)
  unitLabel!: string;

  @Field(() => Boolean)
  isMetered!: boolean;
}

@ObjectType({ description: 'A markup tier, included voice minutes and a monthly fee in one SKU.' })
export class Plan {
  @Field(() => ID)
  slug!: string;

  @Field(() => String)
  name!: string;

  @Field(() => CentsScalar)
  monthlyFeeCents!: bigint;

  @Field(() => Int)
  includedMinutes!: number;

  @Field(() => Int, { description: 'Markup over carrier cost in basis points (3000 = 30%).' })
  markupPercentBps!: number;

  @Field(() => [PlanLineItem])
  lineItems!: PlanLineItem[];
}

@ObjectType('PlanSubscription', { description: 'The tenant’s plan. Cancelling takes effect at the end of the current period.' })
export class Subscription {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  planSlug!: string;

  @Field(() => String, { description: 'active or canceled' })
  status!: string;

  @Field(() => Date)
  currentPeriodStart!: Date;

  @Field(() => Date)
  currentPeriodEnd!: Date;

  @Field(() => Boolean)
  cancelAtPeriodEnd!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  canceledAt!: Date | null;
}

@InputType()
export class SubscribeInput {
  @Field(() => String, { description: 'starter, growth …' })
  planSlug!: string;
}

registerEnumType(PaymentStatus, { name: 'PaymentStatus' });

@ObjectType({ description: 'A card payment (a top-up or an auto-recharge).' })
export class Payment {
  @Field(() => ID)
  id!: string;

  @Field(() => CentsScalar)
  amountCents!: bigint;

  @Field(() => CentsScalar)
  amountRefundedCents!: bigint;

  @Field(() => String)
  currency!: string;

  @Field(() => PaymentStatus)
  status!: PaymentStatus;

  @Field(() => String, { nullable: true })
  stripePaymentIntentId!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

export const PaymentConnection = Connection('Payment', Payment);
