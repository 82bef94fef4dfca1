/**
 * Every timer the simulator starts goes through here, so `close()` can cancel all of them (tests must not leak
 * handles) and so none of them keeps a process alive on its own (they are unref'd).
 */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Map<NodeJS.Timeout, (error: Error) => void>();

  /** Runs `fn` after `ms`; the returned handle cancels it. */
  start(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, ms));
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
    this.sleepers.delete(timer);
  }

  /** Resolves after `ms`, or rejects with the error `cancelAll` is given. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.start(ms, () => {
        this.sleepers.delete(timer);
        resolve();
      });
      this.sleepers.set(timer, reject);
    });
  }

  /** Like `sleep`, but `wake()` ends it early (resolving); `cancelAll` still rejects it. */
  wakeableSleep(ms: number): { done: Promise<void>; wake: () => void } {
    let wake = () => {};
    const done = new Promise<void>((resolve, reject) => {
      const timer = this.start(ms, () => {
        this.sleepers.delete(timer);
        resolve();
      });
      this.sleepers.set(timer, reject);
      wake = () => {
        this.cancel(timer);
        resolve();
      };
    });
    return { done, wake };
  }

  /** Cancels every pending timer; sleepers reject with `error`. */
  cancelAll(error: Error): void {
    for (const timer of this.timers) clearTimeout(timer);
    const sleepers = [...this.sleepers.values()];
    this.timers.clear();
    this.sleepers.clear();
    for (const reject of sleepers) reject(error);
  }

  get size(): number {
    return this.timers.size;
  }
}
