import type { RequestHandler } from 'express';
import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AuthResult } from '../auth/authenticate';
import { ApiError } from '../errors';
import { OutageLog, watchRedisOutage } from '../redis-outage';

export interface RateLimitOptions {
  points: number;
  windowSeconds: number;
  redisUrl?: string;
}

export interface RateLimiter {
  middleware: RequestHandler;
  close(): Promise<void>;
}

/**
 * Per API key (per client address before authentication). In memory for one instance, in Redis when
 * REDIS_URL is set so every instance shares the budget; if Redis fails, the memory limiter takes over
 * rather than turning a cache outage into an API outage.
 */
export function createRateLimiter(opts: RateLimitOptions, onLimited: (err: ApiError, res: Parameters<RequestHandler>[1]) => void, log?: OutageLog): RateLimiter {
  const memory = new RateLimiterMemory({ points: opts.points, duration: opts.windowSeconds, keyPrefix: 'rl' });
  let limiter: RateLimiterAbstract = memory;
  let redis: Redis | undefined;
  if (opts.redisUrl) {
    redis = new Redis(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    watchRedisOutage(redis, 'rate limits', log);
    limiter = new RateLimiterRedis({ storeClient: redis, points: opts.points, duration: opts.windowSeconds, keyPrefix: 'voepy:rl', insuranceLimiter: memory });
  }

  const headers = (res: Parameters<RequestHandler>[1], state: RateLimiterRes) => {
    res.setHeader('RateLimit-Limit', String(opts.points));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, state.remainingPoints)));
    res.setHeader('RateLimit-Reset', String(Math.ceil(state.msBeforeNext / 1000)));
  };

  return {
    middleware: async (req, res, next) => {
      const auth = res.locals.auth as AuthResult | undefined;
      const key = auth?.actor?.keyId ?? `addr:${req.ip}`;
      try {
        headers(res, await limiter.consume(key));
        next();
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        headers(res, rejection);
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        onLimited(new ApiError('rate_limited', `Rate limit of ${opts.points} requests per ${opts.windowSeconds}s exceeded; retry after ${retryAfter}s`, { retryAfter }), res);
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
