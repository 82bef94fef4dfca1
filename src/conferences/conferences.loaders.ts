import DataLoader from 'dataloader';
import { CALL_SELECT, CallView } from '../calls/calls.events';
import { actorFromContext, GatewayContext } from '../graphql/context';
import { PARTICIPANT_SELECT, ParticipantView } from './conferences.events';

// Per context (one per HTTP request, one per subscription event). A list of conferences resolves its participants,
// and a list of participants their calls, with one batched, tenant-scoped query each, whatever the list's length.

interface ConferenceLoaders {
  participants: DataLoader<string, ParticipantView[]>;
  call: DataLoader<string, CallView | null>;
}

const perContext = new WeakMap<GatewayContext, ConferenceLoaders>();

export function conferenceLoaders(ctx: GatewayContext): ConferenceLoaders {
  let loaders = perContext.get(ctx);
  if (!loaders) {
    const tenantId = actorFromContext(ctx).tenantId;
    loaders = {
      participants: new DataLoader(async (conferenceIds) => {
        const rows = await ctx.db.conferenceParticipant.findMany({
          where: { tenantId, conferenceId: { in: [...conferenceIds] } },
          orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }],
          select: PARTICIPANT_SELECT,
        });
        const by = new Map<string, ParticipantView[]>();
        for (const row of rows) by.set(row.conferenceId, [...(by.get(row.conferenceId) ?? []), row]);
        return conferenceIds.map((id) => by.get(id) ?? []);
      }),
      call: new DataLoader(async (ids) => {
        const rows = await ctx.db.call.findMany({ where: { tenantId, id: { in: [...ids] } }, select: CALL_SELECT });
        const found = new Map(rows.map((c) => [c.id, c]));
        return ids.map((id) => found.get(id) ?? null);
      }),
    };
    perContext.set(ctx, loaders);
  }
  return loaders;
}
