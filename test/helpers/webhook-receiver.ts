import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { WebhookSettings } from '../../src/config';

// A real https receiver for webhook tests, with a certificate from the test-only CA in test/fixtures/webhook-tls
// (the gateway trusts it through WEBHOOK_CA_FILE). Answers follow a script, and every request is recorded raw.

const TLS_DIR = join(__dirname, '../fixtures/webhook-tls');
export const TEST_CA_FILE = join(TLS_DIR, 'ca.pem');

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  body: any;
  /** What the receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Statuses to answer, in order; once used up, `fallback` (200) answers. */
  script: number[];
  fallback: number;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(opts: { script?: number[]; fallback?: number; port?: number } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: (() => void)[] = [];
  const receiver = { script: [...(opts.script ?? [])], fallback: opts.fallback ?? 200 } as Receiver;
  const server: Server = createServer({ cert: readFileSync(join(TLS_DIR, 'receiver.pem')), key: readFileSync(join(TLS_DIR, 'receiver.key')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const status = receiver.script.length ? receiver.script.shift()! : receiver.fallback;
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        body = undefined;
      }
      requests.push({ path: req.url ?? '/', headers: req.headers, rawBody, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `https://127.0.0.1:${port}`,
    requests,
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`receiver got ${requests.length}/${count} requests`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** Webhook settings for a gateway that delivers to test receivers quickly. */
export function testWebhookSettings(overrides: Partial<WebhookSettings> = {}): WebhookSettings {
  return {
    allowPrivateTargets: true,
    caFile: TEST_CA_FILE,
    timeoutMs: 2000,
    retryBaseMs: 50,
    retryMaxDelayMs: 400,
    retryWindowMs: 60_000,
    disableAfterMs: 3_600_000,
    secretGraceSeconds: 3600,
    ...overrides,
  };
}
