import type { WebSocket } from 'ws';
import { PrismaClient } from '../platform/db/client';

// Open subscriptions outlive the request that authenticated them. Every few seconds, one query re-checks the keys
// of all open sockets; a revoked or expired key, or a suspended tenant, closes its sockets the way connection_init
// would have refused them. Polling (not an event) makes it hold across gateway instances and for expiry too.

export interface KeyWatch {
  watch(socket: WebSocket, keyId: string): void;
  close(): void;
}

export function watchSocketKeys(prisma: PrismaClient, intervalMs: number): KeyWatch {
  const sockets = new Map<WebSocket, string>();
  let checking = false;
  const check = async () => {
    if (checking || sockets.size === 0) return;
    checking = true;
    try {
      const keyIds = [...new Set(sockets.values())];
      const rows = await prisma.$queryRaw<{ id: string; suspended: boolean }[]>`
        SELECT k.id::text AS id, t.status = 'suspended' AS suspended
        FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.id = ANY(${keyIds}::uuid[]) AND (k.revoked_at IS NOT NULL OR k.expires_at <= now() OR t.status = 'suspended')`;
      const refused = new Map(rows.map((r) => [r.id, r.suspended]));
      for (const [socket, keyId] of sockets) {
        if (!refused.has(keyId)) continue;
        sockets.delete(socket);
        socket.close(refused.get(keyId) ? 4403 : 4401, refused.get(keyId) ? 'tenant_suspended' : 'invalid_credentials');
      }
    } catch {
      // The database is briefly unreachable: keep the sockets and try again at the next tick.
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return {
    watch(socket, keyId) {
      sockets.set(socket, keyId);
      socket.once('close', () => sockets.delete(socket));
    },
    close() {
      clearInterval(timer);
      sockets.clear();
    },
  };
}
