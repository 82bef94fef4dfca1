import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LedgerKind } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';
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

@ObjectType({
  description:
    'The caller’s account right after a balance change. A balance change is no outbox event (eventRecorded never shows it): it is named by the ledger entry that made it, and numbered per tenant in commit order.',
})
export class BalanceChange extends Account {
  @Field(() => ID, {
    description: 'The ledger entry that moved the balance (as in ledgerEntries); for a credit hold settled without one (released, or consumed for nothing), the credit hold’s id.',
  })
  eventId!: string;

  @Field(() => Int, { description: 'Per tenant, in commit order, one per change: a gap means a change this subscriber did not receive.' })
  sequence!: number;

  @Field(() => Date, { description: 'When the gateway committed the change (its clock).' })
  committedAt!: Date;
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

registerEnumType(LedgerKind, { name: 'LedgerKind', description: 'What moved the money.' });

@ObjectType({ description: 'One movement of money. Positive amounts credit the balance, negative ones debit it.' })
export class LedgerEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => LedgerKind)
  kind!: LedgerKind;

  @Field(() => CentsScalar)
  amountCents!: bigint;

  @Field(() => CentsScalar, { description: 'The balance right after this entry.' })
  balanceAfterCents!: bigint;

  @Field(() => String, { nullable: true, description: 'What caused it: payment, call, number, invoice …' })
  referenceType!: string | null;

  @Field(() => String, { nullable: true })
  referenceId!: string | null;

  @Field(() => String)
  description!: string;

  @Field(() => Date)
  createdAt!: Date;
}

export const LedgerEntryConnection = Connection('LedgerEntry', LedgerEntry);

@ObjectType()
export class UsageByKind {
  @Field(() => LedgerKind)
  kind!: LedgerKind;

  @Field(() => Int)
  count!: number;

  @Field(() => CentsScalar, { description: 'Net amount of this kind in the range (negative for charges).' })
  amountCents!: bigint;
}

@ObjectType({ description: 'Spend and counts over a date range [from, to).' })
export class Usage {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => CentsScalar, { description: 'Everything debited in the range.' })
  spendCents!: bigint;

  @Field(() => CentsScalar, { description: 'Everything credited in the range (top-ups, refunds).' })
  creditedCents!: bigint;

  @Field(() => [UsageByKind])
  byKind!: UsageByKind[];
}
