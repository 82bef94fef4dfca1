import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { PrismaClient } from '../platform/db/client';
import { PubSub } from '../platform/pubsub';

// Open subscriptions outlive the request that authenticated them, so a socket follows its key:
// - revoked: the revocation is announced on the pub/sub (KEY_REVOKED, through Redis to every instance) and the
//   sockets opened with that key are closed as the notice arrives;
// - expired: a timer per socket fires at the key's expires_at;
// - and, as a safety net, one query every WS_KEY_RECHECK_MS re-checks the keys of all open sockets: it catches what
//   sends no notice (a key revoked with the admin CLI, a tenant suspended) and notices lost while Redis was away.
// Every way closes the socket as connection_init would have refused it: 4401 invalid_credentials, or 4403
// tenant_suspended.

export interface KeyWatch {
  watch(socket: WebSocket, keyId: string, expiresAt?: Date | null): void;
  close(): void;
}

export interface KeyWatchDeps {
  prisma: PrismaClient;
  pubSub: PubSub;
  intervalMs: number;
  logger: Logger;
  /** Pause before listening again after the bus failed (Redis down). */
  resubscribeDelayMs?: number;
}

// setTimeout takes at most 2^31-1 ms (about 24.8 days); a later expiry re-arms the timer when it fires.
const MAX_TIMER_MS = 2 ** 31 - 1;

const closeRevoked = (socket: WebSocket) => socket.close(4401, 'invalid_credentials');

export function watchSocketKeys(deps: KeyWatchDeps): KeyWatch {
  const sockets = new Map<WebSocket, string>();
  const expiryTimers = new Map<WebSocket, NodeJS.Timeout>();
  let closed = false;

  const forget = (socket: WebSocket) => {
    sockets.delete(socket);
    clearTimeout(expiryTimers.get(socket));
    expiryTimers.delete(socket);
  };
  const closeSocketsOf = (keyId: string) => {
    for (const [socket, watched] of sockets) {
      if (watched !== keyId) continue;
      forget(socket);
      closeRevoked(socket);
    }
  };

  let checking = false;
  const check = async () => {
    if (checking || sockets.size === 0) return;
    checking = true;
    try {
      const keyIds = [...new Set(sockets.values())];
      const rows = await deps.prisma.$queryRaw<{ id: string; suspended: boolean }[]>`
        SELECT k.id::text AS id, t.status = 'suspended' AS suspended
        FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.id = ANY(${keyIds}::uuid[]) AND (k.revoked_at IS NOT NULL OR k.expires_at <= now() OR t.status = 'suspended')`;
      const refused = new Map(rows.map((r) => [r.id, r.suspended]));
      for (const [socket, keyId] of sockets) {
        if (!refused.has(keyId)) continue;
        forget(socket);
        socket.close(refused.get(keyId) ? 4403 : 4401, refused.get(keyId) ? 'tenant_suspended' : 'invalid_credentials');
      }
    } catch {
      // The database is briefly unreachable: keep the sockets and try again at the next tick.
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), deps.intervalMs);
  timer.unref();

  // One listener per instance for the whole life of the server. The bus ends it when Redis goes away
  // (service_unavailable); it listens again once Redis is back, and re-checks at once, since a notice sent
  // meanwhile was lost.
  let notices: AsyncIterator<{ keyId: string }> | undefined;
  const listen = async () => {
    const delayMs = deps.resubscribeDelayMs ?? 1000;
    let missed = false;
    while (!closed) {
      const since = Date.now();
      try {
        notices = deps.pubSub.subscribe('KEY_REVOKED')[Symbol.asyncIterator]();
        if (missed) void check();
        for (;;) {
          const next = await notices.next();
          if (next.done) break;
          closeSocketsOf(next.value.keyId);
        }
      } catch (err) {
        // Reported when listening stops, not at each refused attempt while the bus stays down (the outage
        // itself is logged by the bus).
        if (!closed && Date.now() - since > delayMs) deps.logger.warn({ err: (err as Error).message }, 'key revocation notices interrupted; listening again');
      }
      missed = true;
      if (!closed) await new Promise((r) => setTimeout(r, delayMs).unref());
    }
  };
  void listen();

  const armExpiry = (socket: WebSocket, expiresAt: Date) => {
    const due = expiresAt.getTime() - Date.now();
    const fire = () => {
      if (!sockets.has(socket)) return;
      if (expiresAt.getTime() > Date.now()) return armExpiry(socket, expiresAt);
      forget(socket);
      closeRevoked(socket);
    };
    const t = setTimeout(fire, Math.max(0, Math.min(due, MAX_TIMER_MS)));
    t.unref();
    expiryTimers.set(socket, t);
  };

  return {
    watch(socket, keyId, expiresAt) {
      sockets.set(socket, keyId);
      if (expiresAt) armExpiry(socket, expiresAt);
      socket.once('close', () => forget(socket));
    },
    close() {
      closed = true;
      clearInterval(timer);
      for (const t of expiryTimers.values()) clearTimeout(t);
      expiryTimers.clear();
      sockets.clear();
      void notices?.return?.();
    },
  };
}
