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
    const started = performance.now();
    const result = await paced({ port, rate: 50, amount: 50, connections: 8, request });
    expect(result).toMatchObject({ ok: 50, non2xx: 0, errors: 0 });
    // Request n is due 20 ms × n after the start: the n-th arrival is never ahead of that (a burst per second, or
    // a closed loop, would bring most of them early). Being late is the machine's doing (a stall delays the
    // schedule), so it is not bounded here.
    const early = arrivals.map((at, n) => started + n * 20 - at).filter((ahead) => ahead > 2);
    expect(early).toEqual([]);
    expect(result.rps).toBeLessThanOrEqual(52);
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
