import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * The folder that holds the project's package.json, where prisma/ lives.
 *
 * This file runs from src/platform/db under jest and from dist/platform/db after the swc build, so a fixed
 * number of `..` would be right in one of them only; walking up to package.json is right in both.
 * The walk starts at __dirname, not process.cwd(): npm scripts, jest and a service manager may all start
 * the process from different folders.
 */
export function projectRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}: cannot locate the project root`);
    dir = parent;
  }
  cached = dir;
  return dir;
}
