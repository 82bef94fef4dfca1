import { Agent, request } from 'node:http';
import { percentile } from './harness';

// An open-loop load at a fixed rate: request n is due at start + n ÷ rate, whatever the answers before it, over a
// pool of keep-alive connections. Latency runs from when a request was due, not from when a free connection
// sent it, so time spent queued behind slow answers counts (no coordinated omission).
//
// Why not autocannon's `overallRate`: it lets each connection send its share of a second back to back from the
// start of each second, then idle until the next, so a "fixed rate" arrives as one burst a second; and its
// latency correction assumes one request due every millisecond. Fine for comparing two targets driven the same
// way; not for asking what a client sees at a steady rate.

export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface PacedResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
}

export async function paced(opts: { port: number; rate: number; amount: number; connections: number; request: (n: number) => PacedRequest }): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const begun = performance.now();
  const sendOne = (n: number, due: number) =>
    new Promise<void>((resolve) => {
      const { method, path, headers, body } = opts.request(n);
      const req = request({ host: '127.0.0.1', port: opts.port, method, path, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - due);
          if (res.statusCode! >= 200 && res.statusCode! < 300) ok++;
          else non2xx++;
          resolve();
        });
      });
      // A placement the gateway never answers fails the row instead of hanging the bench.
      req.setTimeout(60_000, () => req.destroy(new Error('timed out')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < opts.amount; n++) {
    const due = begun + (n * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(sendOne(n, due));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: opts.amount / ((performance.now() - begun) / 1000), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), ok, non2xx, errors };
}
