import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { paced } from '../../bench/paced';

// The bench's open-loop generator (bench/paced.ts): requests arrive evenly spaced at the asked rate, whatever the
// answers, and a request that waits for a free connection counts that wait in its latency.

describe('paced load', () => {
  let server: Server;
  let port: number;
  let delayMs = 0;
  const arrivals: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      arrivals.push(performance.now());
      req.resume();
      req.on('end', () => setTimeout(() => res.end('{}'), delayMs));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const request = () => ({ method: 'POST' as const, path: '/', headers: { 'content-type': 'application/json' }, body: '{}' });

  it('sends at the asked rate, evenly spaced, not in a burst per second', async () => {
    arrivals.length = 0;
    delayMs = 0;
    const result = await paced({ port, rate: 50, amount: 50, connections: 8, request });
    expect(result).toMatchObject({ ok: 50, non2xx: 0, errors: 0 });
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]).sort((a, b) => a - b);
    // 20 ms apart: a burst would put most arrivals within a millisecond of each other. (Upper bounds on time would
    // measure the machine: a stall delays the schedule, it never makes it burst.)
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(10);
    // Never faster than asked: the 50th is due 980 ms after the first (a send may go up to 1 ms early).
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThan(950);
    expect(result.rps).toBeLessThanOrEqual(52);
    // Not closed loop either: eight connections answered at once keep up with 50/s on any machine that runs tests.
    expect(result.rps).toBeGreaterThan(25);
  });

  it('counts the time a request waited for a connection: one connection, answers slower than the rate', async () => {
    delayMs = 30;
    // Due every 10 ms, served one at a time in 30 ms: the n-th waits about 20 ms × n, so the last of 20 ≈ 400 ms late.
    const result = await paced({ port, rate: 100, amount: 20, connections: 1, request });
    expect(result.ok).toBe(20);
    expect(result.p50).toBeGreaterThan(150);
    expect(result.p99).toBeGreaterThan(350);
  });
});
