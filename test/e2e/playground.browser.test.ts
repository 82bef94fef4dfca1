// The playground in a real browser with the network cut: it must load everything from this server, send the
// Authorization header typed in its headers editor over HTTP, and send the same headers as the graphql-ws
// connection_init payload for subscriptions.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { PLAYGROUND_STATIC_PATH, playgroundRouter } from '../../src/graphql/playground';
import { browserAvailable, launchBrowser, warnBrowserMissing } from '../helpers/browser';

interface PlaygroundServer {
  url: string; // http://127.0.0.1:<port>, no trailing slash
  /** connection_init payloads the graphql-ws server received, in order. */
  connectionParams: unknown[];
  close(): Promise<void>;
}

// The one line to change to run these tests against the real app (a factory returning PlaygroundServer). The tiny
// schema's `whoami` / `connectionInit` then need real counterparts (or a key the app accepts) in the assertions.
const startServer = startTinyServer;

const SCREENSHOT = '/tmp/playground.png';
const KEY = 'Bearer test-key';

/** Express 5 + Apollo Server 5 + graphql-ws on one port and path, like the gateway, with a schema that echoes auth. */
async function startTinyServer(): Promise<PlaygroundServer> {
  const schema = buildSchema(`
    type Query { whoami: String }
    type Subscription { connectionInit: String }
  `);
  type Ctx = { authorization?: string; connectionParams?: unknown };
  schema.getQueryType()!.getFields().whoami.resolve = (_root, _args, ctx: Ctx) => ctx.authorization ?? null;
  const sub = schema.getSubscriptionType()!.getFields().connectionInit;
  sub.subscribe = async function* (_root, _args, ctx: Ctx) {
    yield { connectionInit: JSON.stringify(ctx.connectionParams ?? null) };
  };

  const apollo = new ApolloServer<Ctx>({ schema, plugins: [ApolloServerPluginLandingPageDisabled()] });
  await apollo.start();
  const app = express();
  app.use(playgroundRouter({ endpoint: '/graphql' })); // before Apollo: it only takes browser navigations
  app.use('/graphql', express.json(), expressMiddleware(apollo, { context: async ({ req }) => ({ authorization: req.headers.authorization }) }));

  const httpServer = createServer(app);
  const connectionParams: unknown[] = [];
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const ws = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      onConnect: (ctx) => void connectionParams.push(ctx.connectionParams),
      context: (ctx): Ctx => ({ connectionParams: ctx.connectionParams }),
    },
    wsServer,
  );
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connectionParams,
    async close() {
      await ws.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await apollo.stop();
    },
  };
}

/** Polls a condition (checked in Node: this project's tsconfig has no DOM types for page-side functions). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const isLocal = (url: string) => {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:') return true; // in-page, no network
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
};

describe('playground routing (no browser needed)', () => {
  let server: PlaygroundServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('serves the HTML, with a nonce CSP and local assets only, to a browser navigation', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('vary')).toMatch(/Accept/i);
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toMatch(/https?:|\*/); // no host allowed besides 'self'
    const html = await res.text();
    expect(html).toContain(`${PLAYGROUND_STATIC_PATH}ruru.js`);
    expect(html).not.toMatch(/(src|href)="https?:/);
    // Every inline script carries this response's nonce.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('lets GraphQL requests through to the server behind it', async () => {
    const json = await fetch(`${server.url}/graphql?query=%7Bwhoami%7D`, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/json/);
    // Accept: text/html but with a query: still GraphQL (Apollo answers, even if only to refuse it), not the page.
    const withQuery = await fetch(`${server.url}/graphql?query=%7Bwhoami%7D`, { headers: { accept: 'text/html' } });
    expect(await withQuery.text()).not.toContain('<!DOCTYPE html>');
    const post = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: KEY },
      body: JSON.stringify({ query: '{ whoami }' }),
    });
    expect(await post.json()).toEqual({ data: { whoami: KEY } });
  });

  it('serves ruru assets from node_modules, and 404s unknown ones instead of passing them on', async () => {
    const js = await fetch(`${server.url}${PLAYGROUND_STATIC_PATH}ruru.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${server.url}${PLAYGROUND_STATIC_PATH}nope.js`)).status).toBe(404);
  });
});

// Skipped, never silently passed, when chromium is missing: helpers/browser prints why and how to install it.
if (!browserAvailable) warnBrowserMissing('test/e2e/playground.browser.test.ts (GraphiQL in a real browser)');
const describeInBrowser = browserAvailable ? describe : describe.skip;

describeInBrowser('playground in a real browser, network cut', () => {
  let server: PlaygroundServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const external: string[] = [];
  const problems: string[] = []; // CSP violations and page errors

  beforeAll(async () => {
    server = await startServer();
    browser = (await launchBrowser())!;
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Cut the network: only this machine answers; anything else is recorded (and fails the test) then aborted.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      external.push(url);
      return route.abort('internetdisconnected');
    });
    context.on('request', (req) => {
      if (!isLocal(req.url())) external.push(req.url()); // also catches what the router does not see (workers)
    });
    page = await context.newPage();
    page.on('websocket', (ws) => {
      if (!isLocal(ws.url())) external.push(ws.url());
    });
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text().slice(0, 300));
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ state: 'visible', timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Monaco renders spaces as no-break spaces. */
  const textOf = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').replace(/\u00a0/g, ' ');

  /** Replaces a Monaco editor's whole content; insertText avoids Monaco's auto-closing brackets and suggestions. */
  async function setEditor(selector: string, text: string) {
    const editor = page.locator(selector);
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
    await until(async () => (await textOf(selector)).replace(/\s/g, '').includes(text.replace(/\s/g, '')), `${selector} to read ${text}`);
  }

  async function showHeadersEditor() {
    const tab = page.getByRole('button', { name: 'Headers', exact: true });
    if (!((await tab.getAttribute('class')) ?? '').split(/\s+/).includes('active')) await tab.click();
    return '.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor';
  }

  async function run(query: string): Promise<string> {
    await setEditor('.graphiql-query-editor .monaco-editor', query);
    // GraphiQL parses the query 100 ms (debounced) after the last edit; the run button uses that parse to tell a
    // subscription (graphql-ws) from a query (HTTP), so clicking sooner would send a subscription over HTTP.
    await page.waitForTimeout(300);
    const result = '.graphiql-response .result-window';
    const before = await textOf(result);
    await page.locator('.graphiql-execute-button').click();
    // Wait for a new result, not the previous test's one still on screen.
    await until(async () => {
      const text = await textOf(result);
      return text !== before && /"data"|"errors"/.test(text);
    }, 'a new result');
    return textOf(result);
  }

  it('loads from this server only, and prefills the headers editor with an Authorization hint', async () => {
    const headers = await showHeadersEditor();
    await until(async () => (await textOf(headers)).includes('Bearer'), 'the headers hint');
    expect(await textOf(headers)).toContain('"Authorization": "Bearer <your API key>"');
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('sends the Authorization header set in the headers editor with the query', async () => {
    await setEditor(await showHeadersEditor(), `{"Authorization":"${KEY}"}`);
    const result = await run('{ whoami }');
    await page.screenshot({ path: SCREENSHOT });
    expect(result).toContain(`"whoami": "${KEY}"`);
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);

  it('sends the headers, flat, as the graphql-ws connection_init payload of a subscription', async () => {
    await setEditor(await showHeadersEditor(), `{"Authorization":"${KEY}"}`);
    const result = await run('subscription { connectionInit }');
    // Exactly the headers editor's JSON object: no `headers` wrapper, key names as the user typed them.
    expect(server.connectionParams.at(-1)).toEqual({ Authorization: KEY });
    expect(result).toContain(KEY);
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);
});
