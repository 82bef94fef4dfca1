// The playground in a real browser with the network cut: it must load everything from this server, send the
// Authorization header typed in its headers editor over HTTP, and send the same headers as the graphql-ws
// connection_init payload for subscriptions.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PLAYGROUND_STATIC_PATH } from '../../src/graphql/playground';
import { browserAvailable, launchBrowser, warnBrowserMissing } from '../helpers/browser';
import { createTestTenant, startTestGateway, TestGateway } from '../helpers/gateway';
import { balanceNotice } from '../helpers/subscribers';

const SCREENSHOT = '/tmp/playground.png';
const TENANT = 'Playground Co';

interface PlaygroundServer {
  url: string;
  key: string;
  tenantId: string;
  gateway: TestGateway;
  close(): Promise<void>;
}

/** The real gateway, with a tenant whose key the tests type into the playground. */
async function startServer(): Promise<PlaygroundServer> {
  const gateway = await startTestGateway();
  const tenant = await createTestTenant(gateway.prisma, { name: TENANT });
  return { url: gateway.url, key: tenant.key, tenantId: tenant.tenantId, gateway, close: () => gateway.close() };
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
    const query = encodeURIComponent('{ account { tenant { name } } }');
    const json = await fetch(`${server.url}/graphql?query=${query}`, { headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${server.key}` } });
    expect(json.headers.get('content-type')).toMatch(/json/);
    expect(await json.json()).toEqual({ data: { account: { tenant: { name: TENANT } } } });
    // Accept: text/html but with a query: still GraphQL, not the page.
    const withQuery = await fetch(`${server.url}/graphql?query=${query}`, { headers: { accept: 'text/html' } });
    expect(await withQuery.text()).not.toContain('<!DOCTYPE html>');
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
    // subscription (graphql-ws) from a query (HTTP), so clicking sooner would send a subscription over HTTP. The
    // parse is not observable from the page; ten times its debounce leaves room for a loaded browser.
    await page.waitForTimeout(1000);
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

  it('runs a query with the API key set in the headers editor, and shows the answer', async () => {
    await setEditor(await showHeadersEditor(), `{"Authorization":"Bearer ${server.key}"}`);
    const result = await run('{ account { tenant { id name } } }');
    await page.screenshot({ path: SCREENSHOT });
    expect(result).toContain(`"name": "${TENANT}"`);
    expect(result).toContain(`"id": "${server.tenantId}"`);
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);

  it('runs a subscription over graphql-ws with the key from the headers editor, and shows its events', async () => {
    await setEditor(await showHeadersEditor(), `{"Authorization":"Bearer ${server.key}"}`);
    // The gateway publishes once the subscription had time to start; the playground must show the event.
    const publisher = setInterval(() => server.gateway.pubSub.publish('BALANCE_CHANGED', server.tenantId, balanceNotice(server.tenantId)), 300);
    try {
      const result = await run('subscription { balanceChanged { tenant { name } balance { amountCents } } }');
      expect(result).toContain(`"name": "${TENANT}"`);
      expect(result).toContain('"amountCents": 0');
    } finally {
      clearInterval(publisher);
    }
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);
});
