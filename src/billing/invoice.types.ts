import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { InvoiceStatus } from '../generated/prisma/enums';
import { Connection } from '../graphql/connection';
import { CentsScalar } from '../platform/money';

registerEnumType(InvoiceStatus, { name: 'InvoiceStatus', description: 'Stripe’s invoice statuses; a settled monthly statement is paid.' });

@ObjectType({ description: 'One line of a monthly invoice.' })
export class InvoiceLine {
  @Field(() => String, { description: 'plan_fee, number_monthly (MRC) or overage (voice usage past the included minutes).' })
  kind!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => CentsScalar)
  unitAmountCents!: bigint;

  @Field(() => CentsScalar)
  amountCents!: bigint;
}

@ObjectType({ description: 'A monthly statement of the recurring charges and overage already paid from the prepaid balance.' })
export class Invoice {
  @Field(() => ID)
  id!: string;

  @Field(() => Date, { description: 'The first instant of the month invoiced (UTC).' })
  periodStart!: Date;

  @Field(() => Date, { description: 'The first instant after the month invoiced (exclusive).' })
  periodEnd!: Date;

  @Field(() => InvoiceStatus)
  status!: InvoiceStatus;

  @Field(() => String)
  currency!: string;

  @Field(() => CentsScalar)
  totalCents!: bigint;

  @Field(() => [InvoiceLine])
  lines!: InvoiceLine[];

  @Field(() => String, { nullable: true, description: 'The Stripe-hosted PDF, to download or forward to accounting.' })
  invoicePdfUrl!: string | null;

  @Field(() => String, { nullable: true, description: 'The Stripe-hosted invoice page.' })
  hostedInvoiceUrl!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

export const InvoiceConnection = Connection('Invoice', Invoice);
