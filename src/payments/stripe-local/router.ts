import { EventLog } from './events';
import { Params } from './params';
import { Store } from './store';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface ApiContext {
  readonly store: Store;
  readonly events: EventLog;
  readonly params: Params;
  readonly pathParams: Readonly<Record<string, string>>;
  /** This server's own URL, for the links Stripe hands out (invoice pages, 3DS pages). */
  readonly baseUrl: string;
  /** A record as Stripe returns it: without bookkeeping, with this request's `expand[]` applied. */
  render(record: object): Record<string, unknown>;
  /** A page of a list endpoint (`limit`, `starting_after`, `ending_before`), `expand[]` applied as `data.…` paths. */
  list(items: Array<{ id: string; _seq: number }>, url: string): Record<string, unknown>;
}

export type Handler = (ctx: ApiContext) => unknown;

export interface Route {
  method: Method;
  path: string;
  handler: Handler;
}

interface Compiled {
  method: Method;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export type RouteMatch = { handler: Handler; pathParams: Record<string, string> };

/** `/v1/customers/:id` style routes. */
export class Router {
  private readonly routes: Compiled[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((part) => {
          if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(part.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { method: route.method, pattern: new RegExp(`^${source}/?$`), names, handler: route.handler };
    });
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const pathParams: Record<string, string> = {};
      route.names.forEach((name, i) => {
        pathParams[name] = safeDecode(m[i + 1]);
      });
      return { handler: route.handler, pathParams };
    }
    return undefined;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
