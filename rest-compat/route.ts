import type { Request } from 'express';
import { invalidRequest } from '../src/platform/errors';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * One /v1 route: which GraphQL operation it runs and how the HTTP request and the GraphQL data map onto each
 * other. Rules never live here; the resolvers and services behind the document own them.
 */
export interface RestRoute {
  method: HttpMethod;
  /** Express path pattern under /v1, e.g. `/api-keys/:id`. */
  path: string;
  summary: string;
  /** A GraphQL document with exactly one operation, parsed and validated once at start. */
  document: string;
  /** The JSON body is validated against this GraphQL input type (snake_case fields) and passed as `$input`. */
  bodyInput?: string;
  /** Other variables, from path and query parameters. */
  variables?: (req: Request) => Record<string, unknown>;
  /** GraphQL data → the spec's JSON shape. */
  shape: (data: Record<string, unknown>) => unknown;
  /** Success status; 200 unless said. */
  status?: number;
}

export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** GraphQL's camelCase data → REST's snake_case, deeply. */
export function toSnake(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnake);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), toSnake(v)]));
  }
  return value;
}

/** A whole-number query parameter, or a 400 naming it. */
export function queryInt(req: Request, name: string, bounds: { min: number; max: number }): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw invalidRequest(`${name} must be a whole number`, name);
  const n = Number(raw);
  if (n < bounds.min || n > bounds.max) throw invalidRequest(`${name} must be between ${bounds.min} and ${bounds.max}`, name);
  return n;
}
