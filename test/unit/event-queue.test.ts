import { EventQueue } from '../../src/platform/event-queue';
import { pubSubOver } from '../../src/platform/pubsub';

// One subscription's queue: events in order to one consumer, a bound on what a stalled consumer holds, and an end
// (returned or failed) that removes the listener once.

const overflow = () => new Error('too far behind');

describe('EventQueue', () => {
  it('hands events in order, whether they arrive before or while the consumer waits', async () => {
    const q = new EventQueue<number>(() => undefined, 10, overflow);
    q.push(1);
    q.push(2);
    const waiting = [q.next(), q.next(), q.next()];
    q.push(3);
    expect(await Promise.all(waiting)).toEqual([1, 2, 3].map((value) => ({ value, done: false })));
  });

  it('return ends the stream once: the waiting pull is done, the listener is removed once, later events are ignored', async () => {
    const onClose = jest.fn();
    const q = new EventQueue<number>(onClose, 10, overflow);
    const waiting = q.next();
    await q.return();
    await q.return();
    q.push(1);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('a consumer past the limit: the stream fails with the overflow error (queued events dropped), then is done', async () => {
    const onClose = jest.fn();
    const q = new EventQueue<number>(onClose, 3, overflow);
    for (let i = 0; i < 4; i++) q.push(i);
    await expect(q.next()).rejects.toThrow('too far behind');
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('fail rejects the pull that waits', async () => {
    const q = new EventQueue<number>(() => undefined, 3, overflow);
    const waiting = q.next();
    q.fail(new Error('bus down'));
    await expect(waiting).rejects.toThrow('bus down');
  });
});

describe('pubSubOver', () => {
  const notice = (n: number) => ({ tenantId: 't1', balanceAfterCents: String(n), eventId: `e${n}`, sequence: n, committedAt: new Date(0).toISOString() });

  it('delivers the tenant’s events that `accept` keeps, the same object to every subscriber; returning removes the listener', async () => {
    const target = new EventTarget();
    const removed = jest.spyOn(target, 'removeEventListener');
    const pubSub = pubSubOver(target);
    const all = pubSub.subscribe('BALANCE_CHANGED', 't1');
    const odd = pubSub.subscribe('BALANCE_CHANGED', 't1', (p) => p.sequence % 2 === 1);
    const other = pubSub.subscribe('BALANCE_CHANGED', 't2');
    const events = [1, 2, 3].map(notice);
    for (const e of events) pubSub.publish('BALANCE_CHANGED', 't1', e);
    const [first, second, third] = [await all.next(), await all.next(), await all.next()];
    expect([first.value, second.value, third.value]).toEqual(events);
    const [a, b] = [await odd.next(), await odd.next()];
    expect(a.value).toBe(first.value);
    expect(b.value).toBe(third.value);
    await Promise.all([all, odd, other].map((s) => s.return?.()));
    expect(removed).toHaveBeenCalledTimes(3);
  });

  it('a predicate that throws fails its own subscription only', async () => {
    const pubSub = pubSubOver(new EventTarget());
    const broken = pubSub.subscribe('BALANCE_CHANGED', 't1', () => {
      throw new Error('bad filter');
    });
    const fine = pubSub.subscribe('BALANCE_CHANGED', 't1');
    pubSub.publish('BALANCE_CHANGED', 't1', notice(1));
    await expect(broken.next()).rejects.toThrow('bad filter');
    expect((await fine.next()).value).toEqual(notice(1));
  });
});
