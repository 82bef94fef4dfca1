import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express, { NextFunction, Request, Response, Router } from 'express';
import { ruruHTML } from 'ruru/server';

export interface PlaygroundOptions {
  /** URL path of the GraphQL HTTP endpoint, e.g. '/graphql'. The playground is served on the same path. */
  endpoint: string;
  /**
   * URL path (or full ws:// / wss:// URL) of the graphql-ws endpoint; defaults to `endpoint`. Ruru turns a path
   * into ws:// or wss:// on the page's own host, so the same HTML works behind TLS termination.
   */
  subscriptionEndpoint?: string;
  /** False when GRAPHQL_INTROSPECTION is off: the page then says why it has no completion or docs. */
  introspection?: boolean;
}

/** Where the browser fetches ruru's bundle. Absolute, so the HTML works whatever path it was served on. */
export const PLAYGROUND_STATIC_PATH = '/playground/static/';

// ruru ships its built bundle (JS chunks, CSS, Monaco workers, a font) as plain files in `static/` next to `dist/`.
// The package's `exports` map hides package.json, so locate the folder from the main entry instead.
const RURU_STATIC_DIR = path.join(path.dirname(require.resolve('ruru')), '..', 'static');

// Shown in the headers editor until the user types their own; GraphiQL sends this JSON as HTTP headers and
// (merged flat) as the graphql-ws connection_init payload.
const HEADERS_HINT = JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2);

// Without introspection GraphiQL can load no schema; the editor's first text says so, and that queries still run.
const NO_INTROSPECTION_QUERY = [
  '# Introspection is disabled on this server, so this editor offers no completion,',
  '# validation or docs. Operations still run: put your API key in the Headers tab.',
  '{',
  '  account {',
  '    tenant { id }',
  '  }',
  '}',
  '',
].join('\n');

/**
 * GraphiQL (ruru) on GET <endpoint> for browsers, with every asset served from this process.
 * Mount it BEFORE the GraphQL middleware: anything that is not a browser navigation falls through to it.
 */
export function playgroundRouter(opts: PlaygroundOptions): Router {
  const router = express.Router();

  // express.static rather than ruru's own `serveStatic`: the latter loads its bundle with a dynamic import(),
  // which jest's module sandbox refuses without --experimental-vm-modules. Chunk names (1004.js, ...) are not
  // content hashes, so keep the default revalidating cache (ETag, max-age=0) instead of `immutable`.
  // fallthrough:false makes a missing asset a 404 here instead of reaching the GraphQL server.
  router.use(PLAYGROUND_STATIC_PATH, express.static(RURU_STATIC_DIR, { index: false, fallthrough: false }));

  router.get(opts.endpoint, (req: Request, res: Response, next: NextFunction) => {
    // The same URL answers HTML or JSON depending on Accept, so shared caches must key on it.
    res.vary('Accept');
    // A GET carrying `query` is a GraphQL request even from a browser; Accept alone would misroute it.
    const isNavigation = (req.get('accept') ?? '').includes('text/html') && req.query.query === undefined;
    if (!isNavigation) return next();

    // A fresh nonce per response: ruru's page needs a handful of inline <script>s (config, Monaco worker setup,
    // boot), so the nonce lets exactly those run while the CSP still forbids any other inline or external script.
    const nonce = randomBytes(16).toString('base64');
    const withNonce = (html: string) => html.replaceAll('<script', `<script nonce="${nonce}"`);
    const html = ruruHTML({
      staticPath: PLAYGROUND_STATIC_PATH, // never the default unpkg.com CDN
      endpoint: opts.endpoint,
      subscriptionEndpoint: opts.subscriptionEndpoint ?? opts.endpoint,
      clientConfig: {
        // ruru adds X-PostGraphile-Explain / X-GraphQL-Explain to HTTP headers and connection_init when its
        // Explain toggle is on, unless debugTools excludes 'explain': keep the payload exactly the user's headers.
        debugTools: [],
        initialHeaders: HEADERS_HINT,
        defaultHeaders: HEADERS_HINT,
        isHeadersEditorEnabled: true,
        ...(opts.introspection === false ? { defaultQuery: NO_INTROSPECTION_QUERY, initialQuery: NO_INTROSPECTION_QUERY } : {}),
      },
      htmlParts: {
        configScript: withNonce,
        headerScripts: withNonce,
        bodyScripts: withNonce,
        bodyInitScript: withNonce,
      },
    });

    res
      .set({
        'Content-Security-Policy': contentSecurityPolicy(nonce),
        'Cache-Control': 'no-store', // the nonce must not be reused from a cache
        'Referrer-Policy': 'no-referrer',
        'X-Content-Type-Options': 'nosniff',
      })
      .type('html')
      .send(html);
  });

  return router;
}

function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    // 'self' covers ruru.js, its lazily imported chunks and the Monaco workers; the nonce covers ruru's inline scripts.
    `script-src 'self' 'nonce-${nonce}'`,
    "worker-src 'self'",
    // The bundle (Monaco, GraphiQL) applies inline styles and inserts <style> elements at run time without a nonce
    // (webpack's __webpack_nonce__ is internal to the bundle, not settable from the page): a nonce-only style-src
    // breaks the page with ~150 violations. 'unsafe-inline' styles cannot fetch anything (url() still has to pass
    // img-src/font-src), and scripts stay nonce-only.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:", // the CSS embeds its fonts as data: URIs
    // 'self' matches ws:// and wss:// on the page's own host (CSP Level 3), which is where graphql-ws lives.
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
