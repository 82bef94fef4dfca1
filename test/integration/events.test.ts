import { committedEvents, recordEvent, RecordedEvent } from '../../src/events/events.service';
import { inTransaction } from '../../src/platform/db/transaction';
import { fundedTenant, serviceDeps } from '../helpers/services';

describe('events (outbox)', () => {
  let deps: Awaited<ReturnType<typeof serviceDeps>>;
  beforeAll(async () => {
    deps = await serviceDeps({ poolSize: 20 });
  });
  afterAll(() => deps.close());

  const event = (tenantId: string, resourceId: string, n: number) => ({
    tenantId, type: 'phone_number.released' as const, resourceType: 'phone_number', resourceId, data: { n, cents: 5n, at: new Date(0) }, occurredAt: new Date(),
  });

  it('numbers each resource’s events from 1 in commit order, even when transactions race', async () => {
    const t = await fundedTenant(deps, 0n);
    await Promise.all(Array.from({ length: 20 }, (_, i) => inTransaction(deps.db, (tx) => recordEvent(tx, event(t, i % 2 ? 'a' : 'b', i)))));
    for (const resourceId of ['a', 'b']) {
      const rows = await deps.prisma.event.findMany({ where: { resourceId }, orderBy: { createdAt: 'asc' } });
      expect(rows.map((r) => Number(r.sequence)).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
    const [first] = await deps.prisma.event.findMany({ where: { resourceId: 'a', sequence: 1n } });
    // JSON-safe as stored: cents as numbers, instants as ISO strings.
    expect(first.data).toMatchObject({ cents: 5, at: '1970-01-01T00:00:00.000Z' });
  });

  it('a rolled-back change leaves no event, no used sequence and no notice; a committed one is announced after commit', async () => {
    const t = await fundedTenant(deps, 0n);
    const seen: RecordedEvent[] = [];
    const listener = (e: RecordedEvent) => seen.push(e);
    committedEvents.on('event', listener);
    try {
      await expect(
        inTransaction(deps.db, async (tx) => {
          await recordEvent(tx, event(t, 'rolled', 1));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const kept = await inTransaction(deps.db, (tx) => recordEvent(tx, event(t, 'rolled', 2)));
      await new Promise((r) => setImmediate(r));
      expect(kept.sequence).toBe(1);
      expect(seen.map((e) => [e.id, e.sequence])).toEqual([[kept.id, 1]]);
      expect(await deps.prisma.event.count({ where: { resourceId: 'rolled' } })).toBe(1);
    } finally {
      committedEvents.off('event', listener);
    }
  });

  it('is append-only', async () => {
    const t = await fundedTenant(deps, 0n);
    const e = await inTransaction(deps.db, (tx) => recordEvent(tx, event(t, 'x', 1)));
    await expect(deps.prisma.event.delete({ where: { id: e.id } })).rejects.toThrow(/append-only/);
  });
});
