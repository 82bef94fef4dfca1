import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { toConnection } from '../graphql/connection';
import { CurrentActor, GatewayContext } from '../graphql/context';
import { Actor } from '../platform/auth/scopes';
import { listAuditEntries } from './audit.query';
import { AuditEntryConnection } from './audit.types';

@Resolver()
export class AuditResolver {
  @Authorized('audit:read')
  @Query(() => AuditEntryConnection, { description: 'The tenant’s audit log, newest first.' })
  async auditLog(
    @Arg('resourceType', () => String, { nullable: true }) resourceType: string | null,
    @Arg('resourceId', () => String, { nullable: true }) resourceId: string | null,
    @Arg('actor', () => String, { nullable: true, description: 'api_key:<id>, a key id, system or admin_cli.' }) actorFilter: string | null,
    @Arg('from', () => Date, { nullable: true, description: 'Inclusive.' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Exclusive.' }) to: Date | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: GatewayContext,
  ) {
    return toConnection(await listAuditEntries(ctx, actor, { resourceType, resourceId, actor: actorFilter, from, to }, { first, after }));
  }
}
