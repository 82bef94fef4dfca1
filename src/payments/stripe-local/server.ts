import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { authenticate } from './auth';
import { StripeApiError, apiError, invalidRequest, unrecognizedUrl } from './errors';
import { EventLog } from './events';
import { EventRecord } from './records';
import { applyExpand } from './expand';
import { Faults } from './faults';
import { FormDecodeError, FormObject, decodeForm, formFromJson } from './form';
import { invoicePage, threeDSecurePage, PageResponse } from './hosted-pages';
import { IdempotencyStore, canonicalParams } from './idempotency';
import { newRequestId } from './ids';
import { paginate } from './list';
import { Params } from './params';
import { ApiContext, Route, Router } from './router';
import { Store, toWire } from './store';
import { WebhookDispatcher } from './webhooks';

export interface ServerDeps {
  store: Store;
  events: EventLog;
  faults: Faults;
  dispatcher: WebhookDispatcher;
  idempotency: () => IdempotencyStore;
  secretKey: string;
  apiRoutes: readonly Route[];
  testRoutes: readonly Route[];
  baseUrl: () => string;
  log: (line: string) => void;
}

const BODY_LIMIT = 1024 * 1024;

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        // Drain the rest without keeping it, so the 413 can still be answered on this connection.
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Stripe's wire format: the query string, plus for POST a form body; JSON bodies only for the test controls. */
async function requestParams(req: IncomingMessage, url: URL, allowJson: boolean): Promise<FormObject> {
  const query = decodeForm(url.search.slice(1));
  if (req.method !== 'POST' && req.method !== 'DELETE') return query;
  const body = await readBody(req);
  if (body.trim() === '') return query;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/json')) {
    if (!allowJson) {
      throw invalidRequest('Invalid request: the Stripe API takes application/x-www-form-urlencoded bodies, not JSON.', {});
    }
    try {
      return { ...query, ...formFromJson(JSON.parse(body)) };
    } catch {
      throw invalidRequest('Invalid JSON body.', {});
    }
  }
  return { ...query, ...decodeForm(body) };
}

function errorReply(err: StripeApiError): Reply {
  return { status: err.status, body: { error: err.body }, headers: err.headers };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The HTTP side: authentication, fault injection, parameter decoding, idempotency, routing, Stripe-shaped errors.
 * Handlers run synchronously, so each API call is atomic; its events are handed to webhook delivery only once the
 * response has gone out.
 */
export function createLocalStripeServer(deps: ServerDeps): Server {
  const api = new Router(deps.apiRoutes);
  const controls = new Router(deps.testRoutes);

  function context(params: Params, pathParams: Record<string, string>): ApiContext {
    return {
      store: deps.store,
      events: deps.events,
      params,
      pathParams,
      baseUrl: deps.baseUrl(),
      render: (record) => applyExpand(deps.store, toWire(record), params.expand()),
      list: (items, url) => applyExpand(deps.store, { ...paginate(items, params, url, toWire) }, params.expand()),
    };
  }

  /** Runs one handler: synchronous, with its events collected for delivery after the response. */
  function run(handler: Route['handler'], ctx: ApiContext, request: { id: string; key: string | null }): { reply: Reply; emitted: EventRecord[] } {
    deps.events.request = { id: request.id, idempotency_key: request.key };
    let reply: Reply;
    try {
      reply = { status: 200, body: handler(ctx) };
    } catch (err) {
      if (err instanceof StripeApiError) reply = errorReply(err);
      else {
        deps.log(`local-stripe: internal error on ${request.id}: ${(err as Error).stack ?? String(err)}`);
        reply = errorReply(apiError(`An unexpected error occurred in the local Stripe server (request ${request.id}).`));
      }
    } finally {
      deps.events.request = null;
    }
    return { reply, emitted: deps.events.drain() };
  }

  async function handleApi(req: IncomingMessage, url: URL, requestId: string, res: ServerResponse, outbox: EventRecord[]): Promise<Reply> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const apiKey = authenticate(req.headers.authorization, deps.secretKey);
    const version = req.headers['stripe-version'];
    if (typeof version === 'string' && version) deps.events.apiVersion = version;
    if (deps.faults.takeFailure(method, path)) {
      return errorReply(apiError('An unknown error occurred (injected by the local Stripe server).'));
    }
    const match = api.match(method, path);
    if (!match) throw unrecognizedUrl(method, path);
    const raw = await requestParams(req, url, false);
    const key = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) ?? null : null;
    const idempotency = deps.idempotency();
    if (key) {
      res.setHeader('Idempotency-Key', key);
      const decision = idempotency.begin(apiKey, key, `${method} ${path}`, canonicalParams(raw));
      if (decision.kind === 'replay') {
        res.setHeader('Idempotent-Replayed', 'true');
        res.setHeader('Original-Request', decision.response.requestId);
        return { status: decision.response.status, body: JSON.parse(decision.response.body) as unknown };
      }
      if (decision.kind === 'mismatch') {
        return { status: 400, body: { error: { type: 'idempotency_error', message: decision.message } } };
      }
      if (decision.kind === 'in_flight') {
        return {
          status: 409,
          body: {
            error: {
              type: 'invalid_request_error',
              code: 'idempotency_key_in_use',
              message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
            },
          },
        };
      }
    }
    // Injected latency sits inside the idempotency window, so a concurrent duplicate sees the key in use (409).
    const { latencyMs } = deps.faults.get();
    if (latencyMs > 0) await sleep(latencyMs);
    const { reply, emitted } = run(match.handler, context(new Params(raw), match.pathParams), { id: requestId, key });
    if (key) {
      // Stripe saves a result once the endpoint ran: successes and card declines, not refused parameters.
      const saved = reply.status < 400 || reply.status === 402;
      idempotency.finish(apiKey, key, saved ? { status: reply.status, body: JSON.stringify(reply.body), requestId } : undefined);
    }
    outbox.push(...emitted);
    return reply;
  }

  async function handleControls(req: IncomingMessage, url: URL, requestId: string, outbox: EventRecord[]): Promise<Reply> {
    authenticate(req.headers.authorization, deps.secretKey);
    const method = req.method ?? 'GET';
    const match = controls.match(method, url.pathname);
    if (!match) throw unrecognizedUrl(method, url.pathname);
    const params = new Params(await requestParams(req, url, true));
    const { reply, emitted } = run(match.handler, context(params, match.pathParams), { id: requestId, key: null });
    outbox.push(...emitted);
    return reply;
  }

  async function handlePage(req: IncomingMessage, url: URL, outbox: EventRecord[]): Promise<PageResponse | undefined> {
    const invoice = /^\/i\/([A-Za-z0-9]+)(\/pdf)?\/?$/.exec(url.pathname);
    if (invoice && req.method === 'GET') {
      return invoicePage(context(new Params({}), {}), invoice[1], Boolean(invoice[2]));
    }
    const challenge = /^\/_test\/3ds\/([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    if (challenge && (req.method === 'GET' || req.method === 'POST')) {
      const params = new Params(await requestParams(req, url, true));
      const secret = params.string('client_secret') ?? '';
      const outcome = params.string('outcome');
      const ctx = context(params, {});
      deps.events.request = null;
      const page = threeDSecurePage(ctx, challenge[1], req.method, secret, outcome);
      outbox.push(...deps.events.drain());
      return page;
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const requestId = newRequestId();
    res.setHeader('Request-Id', requestId);
    // Events of this call; webhook delivery starts only once the response has been written.
    const outbox: EventRecord[] = [];
    let reply: Reply;
    try {
      const page = await handlePage(req, url, outbox);
      if (page) {
        res.writeHead(page.status, page.headers).end(page.body);
        deps.dispatcher.dispatch(outbox);
        deps.log(`local-stripe: ${req.method} ${url.pathname} ${page.status}`);
        return;
      }
      if (url.pathname.startsWith('/_test/')) reply = await handleControls(req, url, requestId, outbox);
      else if (url.pathname.startsWith('/v1/')) reply = await handleApi(req, url, requestId, res, outbox);
      else throw unrecognizedUrl(req.method ?? 'GET', url.pathname);
    } catch (err) {
      if (err instanceof StripeApiError) reply = errorReply(err);
      else if (err instanceof FormDecodeError) reply = errorReply(invalidRequest(err.message, { param: err.param }));
      else if (err instanceof BodyTooLarge) reply = errorReply(invalidRequest('Request body too large.', { status: 413 }));
      else {
        deps.log(`local-stripe: internal error on ${requestId}: ${(err as Error).stack ?? String(err)}`);
        reply = errorReply(apiError(`An unexpected error occurred in the local Stripe server (request ${requestId}).`));
      }
    }
    const body = JSON.stringify(reply.body, null, 2);
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-cache, no-store',
      'Stripe-Version': deps.events.apiVersion,
      ...reply.headers,
    });
    res.end(body);
    deps.dispatcher.dispatch(outbox);
    deps.log(`local-stripe: ${req.method} ${url.pathname} ${reply.status} ${Date.now() - started}ms ${requestId}`);
  }

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.log(`local-stripe: failed to answer ${req.method} ${req.url}: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
}
