import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { WebhookSettings } from '../config';
import { hostOf, isBlockedAddress } from './target-url';

export interface SendResult {
  /** The HTTP status, when an answer came. */
  statusCode: number | null;
  latencyMs: number;
  /** Why it did not succeed: a network/TLS/timeout message, or the non-2xx status. */
  error: string | null;
  ok: boolean;
}

export interface Sender {
  send(url: string, body: string, headers: Record<string, string>): Promise<SendResult>;
  close(): void;
}

/** Answers are read (so the socket is freed) but only this much is kept: nobody needs a receiver's page. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs deliveries over https. Redirects are not followed (a 3xx is a failed attempt), and, in production,
 * the address each connection resolves to is checked against the SSRF block list at connect time.
 */
export function createSender(settings: WebhookSettings): Sender {
  const ca = settings.caFile ? [...rootCertificates, readFileSync(settings.caFile, 'utf8')] : undefined;
  const guardedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const bad = list.find((a) => isBlockedAddress(a.address));
      if (bad) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${bad.address}, a private or reserved address`), { code: 'EBLOCKED' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 20, ca, lookup: settings.allowPrivateTargets ? undefined : guardedLookup });

  return {
    send(url, body, headers) {
      const started = Date.now();
      const done = (statusCode: number | null, error: string | null): SendResult => ({
        statusCode,
        latencyMs: Date.now() - started,
        error,
        ok: error === null,
      });
      const target = new URL(url);
      if (!settings.allowPrivateTargets && isIP(hostOf(target)) && isBlockedAddress(hostOf(target))) {
        return Promise.resolve(done(null, `refused: ${hostOf(target)} is a private or reserved address`));
      }
      return new Promise<SendResult>((resolve) => {
        let settled = false;
        const finish = (result: SendResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(result);
        };
        const req = request(target, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            kept += chunk.length;
            if (kept > MAX_RESPONSE_BYTES) res.destroy();
          });
          const status = res.statusCode ?? 0;
          const answer = () => finish(done(status, status >= 200 && status < 300 ? null : `HTTP ${status}`));
          res.on('end', answer);
          res.on('close', answer);
          res.on('error', answer);
        });
        const timer = setTimeout(() => {
          req.destroy();
          finish(done(null, `timed out after ${settings.timeoutMs} ms`));
        }, settings.timeoutMs);
        req.on('error', (err: NodeJS.ErrnoException) => finish(done(null, err.code ? `${err.code}: ${err.message}` : err.message)));
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
