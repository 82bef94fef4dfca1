import DataLoader from 'dataloader';
import { actorFromContext, GatewayContext } from '../graphql/context';
import { PortingDocumentView } from './porting-documents.service';

// Per context (one per request, one per subscription event), like the numbers loaders.
const perContext = new WeakMap<GatewayContext, { document: DataLoader<string, PortingDocumentView | null> }>();

export function portingLoaders(ctx: GatewayContext) {
  let loaders = perContext.get(ctx);
  if (!loaders) {
    const tenantId = actorFromContext(ctx).tenantId;
    loaders = {
      document: new DataLoader(async (ids) => {
        const rows = await ctx.db.portingDocument.findMany({
          where: { tenantId, id: { in: [...ids] } },
          select: { id: true, documentType: true, filename: true, contentType: true, sizeBytes: true, sha256: true, createdAt: true },
        });
        const found = new Map(rows.map((d) => [d.id, d]));
        return ids.map((id) => found.get(id) ?? null);
      }),
    };
    perContext.set(ctx, loaders);
  }
  return loaders;
}
