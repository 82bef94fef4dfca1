/**
 * One subscription's events not yet pulled by its consumer (graphql-ws, one `next` at a time), as an async iterator.
 *
 * Why not the pub/sub library's Repeater: each push there makes about six promises and an object whose prototype
 * is a promise, and a filtered subscription stacks a second Repeater on the first. At 1,000 subscribers and 10
 * events a second that was the largest cost of the fan-out after the socket writes themselves (and much of the
 * garbage collector's). Here a push hands the event to the waiting pull, or appends it to an array.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private waiting: { resolve(result: IteratorResult<T>): void; reject(err: unknown): void } | undefined;
  private failure: { err: unknown } | undefined;
  private closed = false;

  /**
   * @param onClose called once when the stream ends, however it ends (remove the listener here).
   * @param limit events held for a consumer that stopped pulling; past it the stream fails with `overflow()`
   *   instead of growing without bound.
   */
  constructor(
    private readonly onClose: () => void,
    private readonly limit: number,
    private readonly overflow: () => Error,
  ) {}

  push(value: T): void {
    if (this.closed) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ value, done: false });
    } else if (this.buffered.length >= this.limit) {
      this.fail(this.overflow());
    } else {
      this.buffered.push(value);
    }
  }

  /** Ends the stream with `err`: events still queued are dropped, and the pull waiting (or the next one) throws it. */
  fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.reject(err);
    } else {
      this.failure = { err };
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) return Promise.resolve({ value: this.buffered.shift() as T, done: false });
    const failure = this.failure;
    if (failure) {
      this.failure = undefined;
      return Promise.reject(failure.err);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    this.failure = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffered.length = 0;
    this.onClose();
  }
}
