import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import {
  attachEmergencyAddress,
  createEmergencyAddress,
  deleteEmergencyAddress,
  detachEmergencyAddress,
  getEmergencyAddress,
  listEmergencyAddresses,
} from './emergency-addresses.service';
import { AttachEmergencyAddressInput, CreateEmergencyAddressInput, EmergencyAddress, EmergencyAddressConnection } from './emergency.types';
import { PhoneNumber } from './numbers.types';

@Resolver()
export class EmergencyAddressResolver {
  @Authorized('numbers:read')
  @Query(() => EmergencyAddressConnection, { description: 'The tenant’s emergency addresses, newest first.' })
  async emergencyAddresses(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listEmergencyAddresses(ctx, actor, { first, after }));
  }

  @Authorized('numbers:read')
  @Query(() => EmergencyAddress, { description: 'One of the tenant’s emergency addresses (not_found otherwise).' })
  emergencyAddress(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getEmergencyAddress(ctx, actor, id);
  }

  @Authorized('numbers:write')
  @Mutation(() => EmergencyAddress, { description: 'Registers a validated US/CA emergency address.' })
  createEmergencyAddress(
    @Arg('input', () => CreateEmergencyAddressInput) input: CreateEmergencyAddressInput,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return createEmergencyAddress(ctx, actor, input);
  }

  @Authorized('numbers:write')
  @Mutation(() => EmergencyAddress, { description: 'Deletes an address no DID uses (409 conflict while one does).' })
  deleteEmergencyAddress(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return deleteEmergencyAddress(ctx, actor, id);
  }

  @Authorized('numbers:write')
  @Mutation(() => PhoneNumber, { description: 'Makes the address the active US/CA number’s emergency endpoint: the number becomes emergency-capable.' })
  attachEmergencyAddress(
    @Arg('phoneNumberId', () => ID) phoneNumberId: string,
    @Arg('input', () => AttachEmergencyAddressInput) input: AttachEmergencyAddressInput,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return attachEmergencyAddress(ctx, actor, phoneNumberId, input.emergencyAddressId);
  }

  @Authorized('numbers:write')
  @Mutation(() => PhoneNumber, { description: 'Removes the number’s emergency endpoint: it is no longer emergency-capable.' })
  detachEmergencyAddress(@Arg('phoneNumberId', () => ID) phoneNumberId: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return detachEmergencyAddress(ctx, actor, phoneNumberId);
  }
}
