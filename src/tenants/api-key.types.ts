import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { SCOPES } from '../platform/auth/scopes';

@InputType({ description: 'A new API key for the caller’s tenant.' })
export class CreateApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: SCOPES.join(', ') })
  scopes!: string[];

  @Field(() => Date, { nullable: true, description: 'When the key stops working; never when omitted.' })
  expiresAt?: Date | null;
}

@ObjectType({ description: 'An API key. Its secret is shown once, when it is created.' })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey extends ApiKey {
  @Field(() => String, { description: 'The key itself. It is not stored and cannot be shown again.' })
  secret!: string;
}
