import DataLoader from 'dataloader';
import { actorFromContext, GatewayContext } from '../graphql/context';
import { Db } from '../platform/db/client';
import { phoneNumbersByIds } from '../numbers/numbers.queries';
import { PhoneNumberView } from '../numbers/numbers.service';
import { CallChargeView, chargesByIds, CallTransitionView, transitionsOf } from './calls.queries';
import { RECORDING_SELECT, RecordingView } from '../recordings/recordings.service';

// Per context (one per HTTP request, one per subscription event), so caches never outlive their operation. A
// list of calls resolves each field with one batched, tenant-scoped query, whatever the list's length.

interface CallLoaders {
  phoneNumber: DataLoader<string, PhoneNumberView | null>;
  charge: DataLoader<string, CallChargeView | null>;
  transitions: DataLoader<string, CallTransitionView[]>;
  recordings: DataLoader<string, RecordingView[]>;
  media: DataLoader<string, MediaSessionRow[]>;
}

export type MediaSessionRow = Awaited<ReturnType<Db['callMediaSession']['findFirstOrThrow']>>;

function groupBy<T>(ids: readonly string[], rows: T[], key: (row: T) => string): T[][] {
  const by = new Map<string, T[]>();
  for (const row of rows) by.set(key(row), [...(by.get(key(row)) ?? []), row]);
  return ids.map((id) => by.get(id) ?? []);
}

const perContext = new WeakMap<GatewayContext, CallLoaders>();

export function callLoaders(ctx: GatewayContext): CallLoaders {
  let loaders = perContext.get(ctx);
  if (!loaders) {
    const tenantId = actorFromContext(ctx).tenantId;
    loaders = {
      phoneNumber: new DataLoader(async (ids) => {
        const found = new Map((await phoneNumbersByIds(ctx.db, tenantId, ids)).map((n) => [n.id, n]));
        return ids.map((id) => found.get(id) ?? null);
      }),
      charge: new DataLoader(async (ids) => {
        const found = new Map((await chargesByIds(ctx.db, tenantId, ids)).map((c) => [c.ledgerEntryId, c]));
        return ids.map((id) => found.get(id) ?? null);
      }),
      // Call ids come from calls this tenant's query already returned.
      transitions: new DataLoader(async (callIds) => {
        const byCall = new Map<string, CallTransitionView[]>();
        for (const t of await transitionsOf(ctx.db, callIds)) byCall.set(t.callId, [...(byCall.get(t.callId) ?? []), t]);
        return callIds.map((id) => byCall.get(id) ?? []);
      }),
      recordings: new DataLoader(async (callIds) => {
        const rows = await ctx.db.recording.findMany({ where: { tenantId, callId: { in: [...callIds] } }, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }], select: RECORDING_SELECT });
        return groupBy(callIds, rows, (r) => r.callId);
      }),
      media: new DataLoader(async (callIds) => {
        const rows = await ctx.db.callMediaSession.findMany({ where: { tenantId, callId: { in: [...callIds] } }, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }] });
        return groupBy(callIds, rows, (r) => r.callId);
      }),
    };
    perContext.set(ctx, loaders);
  }
  return loaders;
}
