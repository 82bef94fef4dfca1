import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { Actor } from '../platform/auth/scopes';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { createApiKey, revokeApiKey } from './tenant.service';
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from './api-key.types';

@Resolver()
export class ApiKeyResolver {
  @Authorized('admin')
  @Mutation(() => CreatedApiKey, { description: 'Mints an API key for the caller’s tenant (admin scope).' })
  async createApiKey(
    @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput,
    @IdempotencyKeyArg() _idempotencyKey: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ): Promise<CreatedApiKey> {
    const key = await createApiKey(ctx.db, actor, input);
    return { id: key.id, name: input.name, scopes: key.scopes, expiresAt: key.expiresAt, secret: key.plaintext };
  }

  @Authorized('admin')
  @Mutation(() => ApiKey, { description: 'Revokes an API key of the caller’s tenant; it stops working at once.' })
  async revokeApiKey(
    @Arg('id', () => ID) id: string,
    @IdempotencyKeyArg() _idempotencyKey: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ): Promise<ApiKey> {
    return revokeApiKey(ctx.db, actor, id);
  }
}
