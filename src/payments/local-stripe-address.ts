import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStripe } from './stripe-local';

// Without a Stripe key, the gateway's payments live in the local Stripe-compatible server it started. The admin
// CLI must move money in that same server (a server of its own would hold none of the gateway's customers), so
// the gateway leaves its address in the data folder, like the embedded database's, for as long as it runs.

const FILE = 'stripe-local.address';

/** Writes the address (owner-only); the returned function removes it at shutdown. */
export function publishLocalStripe(dataDir: string, local: Pick<LocalStripe, 'url' | 'secretKey'>): () => Promise<void> {
  const file = join(dataDir, FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ url: local.url, secretKey: local.secretKey })}\n`, { mode: 0o600 });
  return async () => rmSync(file, { force: true });
}

/** The running gateway's local Stripe server, if there is one. */
export function readLocalStripe(dataDir: string): { url: string; secretKey: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as { url?: unknown; secretKey?: unknown };
    return typeof parsed.url === 'string' && typeof parsed.secretKey === 'string' ? { url: parsed.url, secretKey: parsed.secretKey } : undefined;
  } catch {
    return undefined;
  }
}
