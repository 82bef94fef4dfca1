import { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { asInstance } from '../graphql/instances';
import { nodesShape } from '../graphql/selection';
import { NumberType, PhoneNumberStatus } from '../generated/prisma/enums';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { tenantEvents } from '../graphql/subscription-source';
import { IdempotencyKeyArg } from '../graphql/idempotency-arg';
import { Actor } from '../platform/auth/scopes';
import { NumberStatusChange } from '../platform/pubsub';
import { createConnection, getDefaultConnection, listConnections, renameConnection } from './connections.service';
import { getPhoneNumber, orderNumbers, searchAvailable } from './numbers.service';
import { ListedNumber, listPhoneNumbers } from './numbers.queries';
import { numbersLoaders } from './numbers.loaders';
import { getReservation, releaseReservation, reserveNumbers } from './reservations.service';
import {
  AvailableNumber,
  AvailableNumbersFilter,
  ConnectionInput,
  NumberConnectionResource,
  NumberLookup,
  NumberReservation,
  OrderNumbersInput,
  PhoneNumber,
  PhoneNumberConnection,
  PhoneNumberStatusChange,
  ReserveNumbersInput,
  UpdatePhoneNumberInput,
} from './numbers.types';
import { releasePhoneNumber, updatePhoneNumber } from './configure.service';
import { lookupNumber } from './lookup.service';
import { EmergencyAddress } from './emergency.types';

@Resolver()
export class NumbersResolver {
  @Authorized('numbers:read')
  @Query(() => [AvailableNumber], { description: 'Inventory nobody holds or owns, with the customer price.' })
  availableNumbers(@Arg('filter', () => AvailableNumbersFilter) filter: AvailableNumbersFilter, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return searchAvailable(ctx, actor, filter);
  }

  @Authorized('numbers:read')
  @Query(() => PhoneNumberConnection, { description: 'The tenant’s numbers, newest first.' })
  async phoneNumbers(
    @Arg('status', () => PhoneNumberStatus, { nullable: true }) status: PhoneNumberStatus | null,
    @Arg('numberType', () => NumberType, { nullable: true }) numberType: NumberType | null,
    @Arg('connectionId', () => ID, { nullable: true }) connectionId: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const shape = nodesShape(info, ['connection', 'emergencyAddress']);
    const page = await listPhoneNumbers(ctx, actor, { status, numberType, connectionId }, { first, after }, shape);
    return toConnection({ ...page, nodes: page.nodes.map((n) => asInstance(PhoneNumber, n)) });
  }

  @Authorized('numbers:read')
  @Query(() => PhoneNumber, { description: 'One of the tenant’s numbers (number_not_found otherwise).' })
  phoneNumber(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getPhoneNumber(ctx, actor, id);
  }

  @Authorized('numbers:read')
  @Query(() => NumberReservation)
  numberReservation(@Arg('id', () => ID) id: string, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getReservation(ctx, actor, id);
  }

  @Authorized('numbers:read')
  @Query(() => NumberConnectionResource, { description: 'The tenant’s default connection.' })
  defaultConnection(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return getDefaultConnection(ctx, actor);
  }

  @Authorized('numbers:read')
  @Query(() => [NumberConnectionResource], { description: 'Every connection the tenant owns, default first.' })
  connections(@CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return listConnections(ctx, actor);
  }

  @Authorized('numbers:write')
  @Mutation(() => NumberReservation, { description: 'Holds numbers for 15 minutes: nobody else can reserve or buy them.' })
  reserveNumbers(@Arg('input', () => ReserveNumbersInput) input: ReserveNumbersInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return reserveNumbers(ctx, actor, input.phoneNumbers);
  }

  @Authorized('numbers:write')
  @Mutation(() => NumberReservation, { description: 'Lets reserved numbers go before expiry.' })
  releaseNumberReservation(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return releaseReservation(ctx, actor, id);
  }

  @Authorized('numbers:write')
  @Mutation(() => [PhoneNumber], { description: 'Buys numbers: the NRC is debited now, the numbers are pending until the carrier activates them.' })
  orderNumbers(@Arg('input', () => OrderNumbersInput) input: OrderNumbersInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return orderNumbers(ctx, actor, input);
  }

  @Authorized('numbers:write')
  @Mutation(() => PhoneNumber, { description: 'Configures an active number; only the fields sent change.' })
  updatePhoneNumber(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdatePhoneNumberInput) input: UpdatePhoneNumberInput,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return updatePhoneNumber(ctx, actor, id, { ...input });
  }

  @Authorized('numbers:write')
  @Mutation(() => PhoneNumber, { description: 'Releases an active number; the row stays, released. No refund for the month already paid.' })
  releasePhoneNumber(@Arg('id', () => ID) id: string, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return releasePhoneNumber(ctx, actor, id);
  }

  @Authorized('numbers:read')
  @Mutation(() => NumberLookup, { description: 'Looks up any number through the carrier; billed per lookup (a mutation because it charges).' })
  lookupNumber(
    @Arg('phoneNumber', () => String) phoneNumber: string,
    @Arg('type', () => String, { description: 'carrier or caller-name' }) type: string,
    @IdempotencyKeyArg() _key: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return lookupNumber(ctx, actor, phoneNumber, type);
  }

  @Authorized('numbers:write')
  @Mutation(() => NumberConnectionResource, { description: 'Creates another connection (never the default).' })
  createConnection(@Arg('input', () => ConnectionInput) input: ConnectionInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return createConnection(ctx, actor, input.name);
  }

  @Authorized('numbers:write')
  @Mutation(() => NumberConnectionResource, { description: 'Renames one of the tenant’s connections.' })
  renameConnection(@Arg('id', () => ID) id: string, @Arg('input', () => ConnectionInput) input: ConnectionInput, @IdempotencyKeyArg() _key: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: GatewayContext) {
    return renameConnection(ctx, actor, id, input.name);
  }

  @Authorized('numbers:read')
  @Subscription(() => PhoneNumberStatusChange, {
    description: 'A number of the tenant changed status (optionally one number).',
    subscribe: tenantEvents('NUMBER_STATUS_CHANGED', 'numbers:read', (payload: NumberStatusChange, args: { id?: string | null }) => !args.id || payload.phoneNumberId === args.id),
  })
  async numberStatusChanged(
    @Arg('id', () => ID, { nullable: true }) _id: string | null,
    @Root() change: NumberStatusChange,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return {
      ...(await getPhoneNumber(ctx, actor, change.phoneNumberId)),
      eventId: change.eventId,
      eventType: change.eventType,
      sequence: change.sequence,
      occurredAt: new Date(change.occurredAt),
      committedAt: new Date(change.committedAt),
    };
  }
}

@Resolver(() => PhoneNumber)
export class PhoneNumberFieldsResolver {
  @FieldResolver(() => NumberConnectionResource, { nullable: true, description: 'The connection the number is assigned to.' })
  connection(@Root() number: ListedNumber, @Ctx() ctx: GatewayContext) {
    return number.connectionId ? numbersLoaders(ctx).connection.load(number.connectionId) : null;
  }

  @FieldResolver(() => EmergencyAddress, { nullable: true, description: 'The number’s emergency endpoint address; null = not emergency-capable.' })
  emergencyAddress(@Root() number: ListedNumber, @Ctx() ctx: GatewayContext) {
    return number.emergencyAddressId ? numbersLoaders(ctx).emergencyAddress.load(number.emergencyAddressId) : null;
  }

  @FieldResolver(() => Boolean, { description: 'Active with an emergency address attached: 911 calls from it are accepted.' })
  emergencyEnabled(@Root() number: { emergencyAddressId: string | null; status: string }) {
    return number.status === 'active' && number.emergencyAddressId !== null;
  }
}
