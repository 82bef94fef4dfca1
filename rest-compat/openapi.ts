import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../src/platform/db/project-root';

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** rest-compat/openapi.yaml, read once at start and served as JSON at /v1/openapi.json. */
export function openApiDocument(): OpenApiDocument {
  return parse(readFileSync(join(projectRoot(), 'rest-compat', 'openapi.yaml'), 'utf8')) as OpenApiDocument;
}

/** `/api-keys/:id` (Express) → `/api-keys/{id}` (OpenAPI). */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}
