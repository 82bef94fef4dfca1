import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { authenticate } from '../platform/auth/authenticate';
import { SCOPES, systemActor } from '../platform/auth/scopes';
import { PrismaClient } from '../platform/db/client';
import { createApiKey, createTenant } from './tenant.service';
import { adjustBalance } from '../billing/adjustment.service';
import { systemClock } from '../platform/clock';
import { createGatewayPubSub } from '../platform/pubsub';

export const DEMO_CREDIT_CENTS = 5_000n;

/**
 * The demo tenant of a local run. Keys are stored only as hashes, so the demo key's plaintext is kept in a
 * file beside the embedded database (git-ignored, owner-only): a second start prints the same working key.
 */
export async function ensureDemoKey(prisma: PrismaClient, keyFile: string): Promise<string> {
  if (existsSync(keyFile)) {
    const saved = readFileSync(keyFile, 'utf8').trim();
    if ((await authenticate(prisma, `Bearer ${saved}`, 'demo')).actor) return saved;
  }
  const tenant = await createTenant(prisma, { name: 'Demo tenant' }, 'demo-seed');
  const actor = systemActor(tenant.id, 'demo-seed', 'admin_cli');
  const key = await createApiKey(prisma, actor, { name: 'demo (every scope)', scopes: [...SCOPES] });
  // Something to spend, so a first call or number order works before any card is attached.
  await adjustBalance({ db: prisma, pubSub: createGatewayPubSub(), clock: systemClock }, actor, DEMO_CREDIT_CENTS, 'Demo credit');
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, `${key.plaintext}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return key.plaintext;
}
