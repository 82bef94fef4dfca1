import { Field, ID, Int, ObjectType } from 'type-graphql';
import { CentsScalar } from '../platform/money';

@ObjectType({ description: 'The tenant an API key belongs to.' })
export class Tenant {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'active or suspended' })
  status!: string;
}

@ObjectType({ description: 'The prepaid balance. Amounts are integer cents.' })
export class Balance {
  @Field(() => CentsScalar, { description: 'Remaining credit; negative while drawing on the credit limit.' })
  amountCents!: bigint;

  @Field(() => String)
  currency!: string;

  @Field(() => CentsScalar, { description: 'How far below zero the balance may go.' })
  creditLimitCents!: bigint;

  @Field(() => CentsScalar, { description: 'Credit held for in-flight calls until they are rated.' })
  heldCents!: bigint;

  @Field(() => CentsScalar, { description: 'What can still be spent: balance + credit limit − credit held for in-flight calls.' })
  availableCents!: bigint;
}

@ObjectType({ description: 'The caller’s tenant and its balance.' })
export class Account {
  @Field(() => Tenant)
  tenant!: Tenant;

  @Field(() => Balance)
  balance!: Balance;
}

@ObjectType({ description: 'Hard limits on the tenant’s spend and traffic. Changes are admin-only.' })
export class Quota {
  @Field(() => CentsScalar)
  dailySpendCapCents!: bigint;

  @Field(() => Int)
  concurrentCallCap!: number;

  @Field(() => [String], { description: 'ISO 3166 alpha-2 destinations calls may reach; empty means any not blocked.' })
  countriesAllowed!: string[];

  @Field(() => [String])
  countriesBlocked!: string[];

  @Field(() => [String])
  prefixesBlocked!: string[];

  @Field(() => Boolean)
  allowCallerIdForwarding!: boolean;
}
