import { KeyedLimiter } from '../../src/platform/keyed-limiter';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedLimiter', () => {
  it('runs at most `limit` tasks per key at once, the rest in arrival order; other keys are not held up', async () => {
    const limiter = new KeyedLimiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const task = (n: number) => () => {
      started.push(n);
      running++;
      peak = Math.max(peak, running);
      return new Promise<number>((resolve) => gates.push(() => (running--, resolve(n))));
    };
    const results = [1, 2, 3, 4, 5].map((n) => limiter.run('tenant-a', task(n)));
    const other = limiter.run('tenant-b', async () => 'b');
    await tick();
    expect(started).toEqual([1, 2]);
    expect(await other).toBe('b');
    expect(limiter.pending('tenant-a')).toBe(5);
    while (gates.length) {
      gates.shift()!();
      await tick();
    }
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(limiter.pending('tenant-a')).toBe(0);
  });

  it('a failing task frees its slot', async () => {
    const limiter = new KeyedLimiter(1);
    await expect(limiter.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run('k', async () => 'next')).toBe('next');
    expect(limiter.pending('k')).toBe(0);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new KeyedLimiter(0)).toThrow();
    expect(() => new KeyedLimiter(1.5)).toThrow();
  });
});
