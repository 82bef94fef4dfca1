import type { WebSocket } from 'ws';
import { PrismaClient } from '../platform/db/client';
import type { NoticeListener } from '../platform/db/listener';
import type { DbNotices } from '../platform/db/notify';

// Open subscriptions outlive the request that authenticated them, so a socket follows its key:
// - revoked, or its tenant suspended: the transaction that did it sends a PostgreSQL notice (platform/db/notify.ts),
//   which every instance's listener receives whoever made the change (the API, another instance, the admin CLI),
//   and the sockets concerned are closed as it arrives;
// - expired: a timer per socket fires at the key's expires_at;
// - and, as a safety net, one query every WS_KEY_RECHECK_MS re-checks the keys of all open sockets; the same check
//   runs at once whenever the listener connects again, since notices sent while it was away were lost.
// Every way closes the socket as connection_init would have refused it: 4401 invalid_credentials, or 4403
// tenant_suspended.

export interface KeyWatch {
  watch(socket: WebSocket, key: { keyId: string; tenantId: string; expiresAt?: Date | null }): void;
  close(): void;
}

export interface KeyWatchDeps {
  prisma: PrismaClient;
  notices: Pick<NoticeListener, 'add'>;
  intervalMs: number;
}

// setTimeout takes at most 2^31-1 ms (about 24.8 days); a later expiry re-arms the timer when it fires.
const MAX_TIMER_MS = 2 ** 31 - 1;

const closeRevoked = (socket: WebSocket) => socket.close(4401, 'invalid_credentials');
const closeSuspended = (socket: WebSocket) => socket.close(4403, 'tenant_suspended');

interface Watched {
  keyId: string;
  tenantId: string;
}

export function watchSocketKeys(deps: KeyWatchDeps): KeyWatch {
  const sockets = new Map<WebSocket, Watched>();
  const expiryTimers = new Map<WebSocket, NodeJS.Timeout>();

  const forget = (socket: WebSocket) => {
    sockets.delete(socket);
    clearTimeout(expiryTimers.get(socket));
    expiryTimers.delete(socket);
  };
  const closeWhere = (matches: (w: Watched) => boolean, close: (socket: WebSocket) => void) => {
    for (const [socket, watched] of sockets) {
      if (!matches(watched)) continue;
      forget(socket);
      close(socket);
    }
  };

  // A check asked for while one runs is run again after it: the running one may have read the database before
  // the change that asked for it committed.
  let checking: Promise<void> | undefined;
  let again = false;
  const checkOnce = async () => {
    if (sockets.size === 0) return;
    try {
      const keyIds = [...new Set([...sockets.values()].map((w) => w.keyId))];
      const rows = await deps.prisma.$queryRaw<{ id: string; suspended: boolean }[]>`
        SELECT k.id::text AS id, t.status = 'suspended' AS suspended
        FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.id = ANY(${keyIds}::uuid[]) AND (k.revoked_at IS NOT NULL OR k.expires_at <= now() OR t.status = 'suspended')`;
      const refused = new Map(rows.map((r) => [r.id, r.suspended]));
      for (const [socket, w] of sockets) {
        if (!refused.has(w.keyId)) continue;
        forget(socket);
        if (refused.get(w.keyId)) closeSuspended(socket);
        else closeRevoked(socket);
      }
    } catch {
      // The database is briefly unreachable: keep the sockets and try again at the next tick.
    }
  };
  const check = () => {
    if (checking) {
      again = true;
      return;
    }
    checking = (async () => {
      do {
        again = false;
        await checkOnce();
      } while (again);
    })().finally(() => {
      checking = undefined;
    });
  };
  const timer = setInterval(check, deps.intervalMs);
  timer.unref();

  const stopListening = deps.notices.add({
    notice(channel, payload) {
      if (channel === 'voepy_api_key_revoked') {
        const { keyId } = payload as DbNotices['voepy_api_key_revoked'];
        closeWhere((w) => w.keyId === keyId, closeRevoked);
      } else if (channel === 'voepy_tenant_suspended') {
        closeWhere((w) => w.tenantId === payload.tenantId, closeSuspended);
      }
    },
    listening: check,
  });

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
    watch(socket, { keyId, tenantId, expiresAt }) {
      sockets.set(socket, { keyId, tenantId });
      if (expiresAt) armExpiry(socket, expiresAt);
      socket.once('close', () => forget(socket));
    },
    close() {
      stopListening();
      clearInterval(timer);
      for (const t of expiryTimers.values()) clearTimeout(t);
      expiryTimers.clear();
      sockets.clear();
    },
  };
}
