import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { CentsScalar } from '../platform/money';

@ObjectType({ description: 'Pass clientSecret to Stripe Elements; the card is saved to the tenant’s Stripe Customer.' })
export class SetupIntent {
  @Field(() => String)
  clientSecret!: string;

  @Field(() => String)
  setupIntentId!: string;

  @Field(() => String)
  stripeCustomerId!: string;
}

@ObjectType()
export class Card {
  @Field(() => String)
  brand!: string;

  @Field(() => String)
  last4!: string;

  @Field(() => Int)
  expMonth!: number;

  @Field(() => Int)
  expYear!: number;
}

@ObjectType({ description: 'A saved card.' })
export class PaymentMethod {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  type!: string;

  @Field(() => Card, { nullable: true })
  card!: Card | null;

  @Field(() => Boolean)
  isDefault!: boolean;
}

@InputType()
export class TopUpInput {
  @Field(() => CentsScalar)
  amountCents!: bigint;

  @Field(() => String, { nullable: true, description: 'Omit to use the default card.' })
  paymentMethodId?: string | null;
}

@ObjectType({ description: 'A started top-up. The balance is credited when Stripe confirms the payment.' })
export class TopUp {
  @Field(() => ID)
  paymentId!: string;

  @Field(() => String, { description: 'succeeded, or requires_action: hand clientSecret to stripe.confirmCardPayment().' })
  status!: string;

  @Field(() => String, { nullable: true })
  clientSecret!: string | null;

  @Field(() => CentsScalar)
  amountCents!: bigint;

  @Field(() => String)
  currency!: string;
}

@InputType()
export class AutoRechargeInput {
  @Field(() => CentsScalar, { description: 'Recharge when the balance is at or below this.' })
  thresholdCents!: bigint;

  @Field(() => CentsScalar, { description: 'How much to charge each time.' })
  amountCents!: bigint;

  @Field(() => String)
  paymentMethodId!: string;
}

@ObjectType()
export class AutoRecharge {
  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => CentsScalar)
  thresholdCents!: bigint;

  @Field(() => CentsScalar)
  amountCents!: bigint;

  @Field(() => String)
  paymentMethodId!: string;

  @Field(() => Date, { nullable: true, description: 'When the last charge failed; auto-recharge is off until re-enabled.' })
  failedAt!: Date | null;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;
}
