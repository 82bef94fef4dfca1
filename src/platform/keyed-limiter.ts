// At most `limit` tasks per key run at once in this process; the rest wait here, in memory, in arrival order.
//
// For work that PostgreSQL serialises per key anyway (a tenant's call placements wait on one lock): letting every
// request wait inside the database would park each on a pooled connection, and a burst on one key would drain the
// pool for everyone. A few per key keep the database's queue short (the lock is handed over without a trip
// through the event loop) while the rest wait without holding anything.

export class KeyedLimiter {
  private readonly queues = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a keyed limiter needs a positive whole limit, got ${limit}`);
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { running: 0, waiting: [] };
      this.queues.set(key, queue);
    }
    if (queue.running >= this.limit) await new Promise<void>((resolve) => queue!.waiting.push(resolve));
    else queue.running++;
    try {
      return await task();
    } finally {
      const next = queue.waiting.shift();
      // The slot passes straight to the next waiter; the count changes only when nobody waits.
      if (next) next();
      else if (--queue.running === 0) this.queues.delete(key);
    }
  }

  /** Tasks running or waiting for `key` (for tests and metrics). */
  pending(key: string): number {
    const queue = this.queues.get(key);
    return queue ? queue.running + queue.waiting.length : 0;
  }
}
