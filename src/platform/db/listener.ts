import { Client } from 'pg';
import type { Logger } from 'pino';
import { DB_CHANNELS, DbChannel, DbNotices } from './notify';

// One dedicated connection per gateway instance, LISTENing on every channel of db/notify.ts. It is a plain
// `pg` client outside Prisma's pool, so it neither counts against the pool nor waits for one of its connections.
// A notice sent while it is disconnected is lost (PostgreSQL queues nothing for a listener that is gone), so
// every (re)connection is announced to the handlers, which re-check what they watch.

export interface NoticeHandlers {
  notice<C extends DbChannel>(channel: C, payload: DbNotices[C]): void;
  /** Listening (again): notices sent since the previous connection dropped, if any, were missed. */
  listening(): void;
}

export interface NoticeListener {
  /** Resolves after the first attempt to connect, whether it succeeded or not (retries go on behind). */
  ready: Promise<void>;
  add(handlers: NoticeHandlers): () => void;
  stop(): Promise<void>;
}

export interface NoticeListenerOptions {
  url: string;
  logger: Logger;
  /** Backoff between attempts to reconnect: doubles from `minDelayMs` up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export const LISTENER_APPLICATION_NAME = 'voepy-notice-listener';

export function startNoticeListener(opts: NoticeListenerOptions): NoticeListener {
  const minDelayMs = opts.minDelayMs ?? 100;
  const maxDelayMs = opts.maxDelayMs ?? 10_000;
  const handlers = new Set<NoticeHandlers>();
  let client: Client | undefined;
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const dispatch = (channel: string, raw: string | undefined) => {
    if (!(DB_CHANNELS as readonly string[]).includes(channel)) return;
    let payload: unknown;
    try {
      payload = JSON.parse(raw ?? '');
    } catch {
      opts.logger.warn({ channel }, 'database notice with a payload that is not JSON; ignored');
      return;
    }
    for (const h of handlers) h.notice(channel as DbChannel, payload as DbNotices[DbChannel]);
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    const delay = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(failures, 16));
    failures++;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  };

  const connect = async () => {
    // keepAlive: a connection dropped without a FIN (a network cut) is noticed, not listened on forever.
    const c = new Client({ connectionString: opts.url, application_name: LISTENER_APPLICATION_NAME, keepAlive: true, connectionTimeoutMillis: 5_000 });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      if (stopped) return;
      if (failures === 0) opts.logger.warn({ err: err?.message }, 'database notice listener disconnected; reconnecting');
      scheduleReconnect();
    };
    // An 'error' event without a listener would end the process (pg_terminate_backend, a restart of PostgreSQL).
    c.on('error', onLost);
    c.on('end', () => onLost());
    c.on('notification', (msg) => dispatch(msg.channel, msg.payload));
    try {
      await c.connect();
      for (const channel of DB_CHANNELS) await c.query(`LISTEN ${channel}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (stopped || lost) {
      void c.end().catch(() => undefined);
      return;
    }
    client = c;
    if (failures > 0) opts.logger.info('database notice listener connected again');
    failures = 0;
    for (const h of handlers) h.listening();
  };

  const ready = connect();
  return {
    ready,
    add(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      handlers.clear();
      // An attempt under way ends its own connection once it sees `stopped`.
      await ready;
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
