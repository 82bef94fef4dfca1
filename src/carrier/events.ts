/**
 * Delivery of carrier events to the gateway. Events published while nobody listens are kept (up to a bound) and
 * handed to the next listener that attaches, or to `drain()`, so a gateway that is restarting its listener misses
 * nothing the simulator emitted in the meantime. Delivery order is publication order.
 *
 * This is not durable across processes: a gateway that restarts polls `activationStatus` for its pending orders.
 */
export class EventOutbox<E> {
  private readonly listeners = new Set<(event: E) => void | Promise<void>>();
  private buffer: E[] = [];
  private flushScheduled = false;

  constructor(
    private readonly maxBuffered: number,
    private readonly onListenerError: (error: unknown, event: E) => void,
  ) {}

  /**
   * Attaches a listener; buffered events reach it on the next microtask (not inside this call, so the caller can
   * finish wiring up first). Returns the function that detaches it.
   */
  subscribe(listener: (event: E) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    if (this.buffer.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(event: E): void {
    this.buffer.push(event);
    // Oldest first out when nobody has listened for a long time; activationStatus still knows every outcome.
    if (this.buffer.length > this.maxBuffered) this.buffer.splice(0, this.buffer.length - this.maxBuffered);
    this.flush();
  }

  /** Takes the events nobody has received yet. */
  drain(): E[] {
    const events = this.buffer;
    this.buffer = [];
    return events;
  }

  detachAll(): void {
    this.listeners.clear();
  }

  private flush(): void {
    while (this.listeners.size > 0 && this.buffer.length > 0) {
      const event = this.buffer.shift() as E;
      for (const listener of [...this.listeners]) this.deliver(listener, event);
    }
  }

  private deliver(listener: (event: E) => void | Promise<void>, event: E): void {
    try {
      const result = listener(event);
      if (result && typeof result.then === 'function') result.then(undefined, (error: unknown) => this.onListenerError(error, event));
    } catch (error) {
      this.onListenerError(error, event);
    }
  }
}
