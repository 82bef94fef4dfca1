import DataLoader from 'dataloader';
import { actorFromContext, GatewayContext } from '../graphql/context';
import { connectionsByIds, ConnectionView } from './connections.service';
import { emergencyAddressesByIds, EmergencyAddressView } from './emergency-addresses.service';

// Built lazily once per context (one per HTTP request, one per subscription event), so a cache never outlives
// the operation that filled it; keyed by the context object, which is garbage-collected with it.
interface NumbersLoaders {
  connection: DataLoader<string, ConnectionView | null>;
  emergencyAddress: DataLoader<string, EmergencyAddressView | null>;
}
const perContext = new WeakMap<GatewayContext, NumbersLoaders>();

export function numbersLoaders(ctx: GatewayContext) {
  let loaders = perContext.get(ctx);
  if (!loaders) {
    const tenantId = actorFromContext(ctx).tenantId;
    loaders = {
      // Tenant-scoped: a connection id of another tenant resolves to null, never to its row.
      connection: new DataLoader(async (ids) => {
        const found = new Map((await connectionsByIds(ctx.db, tenantId, ids)).map((c) => [c.id, c]));
        return ids.map((id) => found.get(id) ?? null);
      }),
      emergencyAddress: new DataLoader(async (ids) => {
        const found = new Map((await emergencyAddressesByIds(ctx.db, tenantId, ids)).map((a) => [a.id, a]));
        return ids.map((id) => found.get(id) ?? null);
      }),
    };
    perContext.set(ctx, loaders);
  }
  return loaders;
}
