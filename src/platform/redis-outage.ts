import type Redis from 'ioredis';

export interface OutageLog {
  warn(obj: object, msg: string): void;
  info(msg: string): void;
}

/**
 * Listens to a Redis connection's errors (without a listener, ioredis prints each one as "Unhandled error event")
 * and reports an outage once, and the recovery once: while Redis is away ioredis retries every few hundred
 * milliseconds, and each failed attempt is another 'error'.
 */
export function watchRedisOutage(client: Redis, name: string, log?: OutageLog): void {
  let down = false;
  client.on('error', (err: unknown) => {
    if (down) return;
    down = true;
    log?.warn({ err }, `redis (${name}) unavailable; retrying`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log?.info(`redis (${name}) reachable again`);
  });
}
