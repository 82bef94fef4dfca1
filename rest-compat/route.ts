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
  /** With bodyInput: a request without a body is allowed and passes `$input: null` (every field has a default). */
  bodyOptional?: boolean;
  /** Other variables, from path and query parameters. */
  variables?: (req: Request) => Record<string, unknown>;
  /** GraphQL data → the spec's JSON shape. */
  shape: (data: Record<string, unknown>, req: Request) => unknown;
  /** Success status; 200 unless said. */
  status?: number;
  /** A null root field answers 404 not_found with this message (REST has no "null" resource). */
  nullIsNotFound?: string;
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

/** A string query parameter (the last one when repeated is refused: one value per name). */
export function queryString(req: Request, name: string): string | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw invalidRequest(`${name} must be given once, as a plain value`, name);
  return raw;
}

/**
 * A phone number (E.164) query parameter. Query strings decode a raw `+` as a space, so `?to=+15551234567`
 * typed into curl or a browser arrives as " 15551234567"; a leading space before a digit is given its `+` back
 * instead of failing validation with a number the caller never sent. `%2B` arrives as `+` and is kept.
 */
export function queryPhoneNumber(req: Request, name: string): string | undefined {
  const raw = queryString(req, name);
  return raw === undefined ? undefined : restorePlus(raw);
}

/** Comma-separated phone numbers, each given back its `+` as in queryPhoneNumber. */
export function queryPhoneNumbers(req: Request, name: string): string[] | undefined {
  const raw = queryString(req, name);
  return raw === undefined ? undefined : raw.split(',').map((n) => restorePlus(n.trimEnd()));
}

function restorePlus(value: string): string {
  return value.replace(/^ (?=\d)/, '+');
}

/** An ISO 8601 instant (or date) query parameter, passed on as the ISO string GraphQL's DateTimeISO expects. */
export function queryInstant(req: Request, name: string, opts: { required?: boolean } = {}): string | undefined {
  const raw = queryString(req, name);
  if (raw === undefined) {
    if (opts.required) throw invalidRequest(`${name} is required (an ISO 8601 date or date-time)`, name);
    return undefined;
  }
  const at = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(at.getTime())) throw invalidRequest(`${name} must be an ISO 8601 date or date-time`, name);
  return at.toISOString();
}

/** `{data, meta:{next_cursor}}` from a GraphQL connection. */
export function restList(connection: { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }) {
  return { data: toSnake(connection.nodes), meta: { next_cursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null } };
}
