import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Connection } from '../graphql/connection';

@ObjectType({ description: 'A US/CA emergency (911) address. Attached to a DID (its emergency endpoint), it makes the DID emergency-capable.' })
export class EmergencyAddress {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  streetAddress!: string;

  @Field(() => String, { nullable: true, description: 'Suite, floor, unit.' })
  extendedAddress!: string | null;

  @Field(() => String, { description: 'City.' })
  locality!: string;

  @Field(() => String, { description: 'State or province code (TX, ON).' })
  administrativeArea!: string;

  @Field(() => String)
  postalCode!: string;

  @Field(() => String, { description: 'US or CA.' })
  countryCode!: string;

  @Field(() => Date)
  createdAt!: Date;
}

export const EmergencyAddressConnection = Connection('EmergencyAddress', EmergencyAddress);

@InputType()
export class CreateEmergencyAddressInput {
  @Field(() => String, { description: 'House number and street, at most 200 characters.' })
  streetAddress!: string;

  @Field(() => String, { nullable: true, description: 'Suite, floor, unit; at most 100 characters.' })
  extendedAddress?: string | null;

  @Field(() => String)
  locality!: string;

  @Field(() => String, { description: 'A US state or Canadian province/territory code.' })
  administrativeArea!: string;

  @Field(() => String, { description: 'A US ZIP (12345, 12345-6789) or Canadian postal code (A1A 1A1).' })
  postalCode!: string;

  @Field(() => String, { description: 'US or CA.' })
  countryCode!: string;
}

@InputType()
export class AttachEmergencyAddressInput {
  @Field(() => ID, { description: 'One of the tenant’s emergency addresses.' })
  emergencyAddressId!: string;
}
