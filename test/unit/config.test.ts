import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('defaults to the embedded database, in-memory pub/sub and a seeded demo', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ databaseUrl: undefined, redisUrl: undefined, seedDemo: true, port: 4000, idempotencyTtlHours: 24 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://x@h/db' }).seedDemo).toBe(false);
  });

  it('reads the calls settings', () => {
    expect(loadConfig({})).toMatchObject({ carrierTimeScale: 1, callHoldEstimateMinutes: 10, callRecoveryIntervalMs: 60_000 });
    expect(loadConfig({ CARRIER_TIME_SCALE: '0.01', CALL_HOLD_ESTIMATE_MINUTES: '30' })).toMatchObject({ carrierTimeScale: 0.01, callHoldEstimateMinutes: 30 });
    expect([loadConfig({}).carrierLegRetentionSecs, loadConfig({ CARRIER_LEG_RETENTION_SECS: '60' }).carrierLegRetentionSecs]).toEqual([1800, 60]);
    expect(loadConfig({})).toMatchObject({ instanceHeartbeatIntervalMs: 5_000, instanceStaleAfterMs: 30_000 });
    expect(loadConfig({ INSTANCE_HEARTBEAT_INTERVAL_MS: '200', INSTANCE_STALE_AFTER_MS: '600' })).toMatchObject({ instanceHeartbeatIntervalMs: 200, instanceStaleAfterMs: 600 });
  });

  it('takes a stale-lock time longer than a webhook attempt may run', () => {
    expect(loadConfig({})).toMatchObject({ jobStaleLockMs: 300_000, webhooks: { timeoutMs: 10_000 } });
    expect(loadConfig({ JOB_STALE_LOCK_MS: '3001', WEBHOOK_TIMEOUT_MS: '3000' })).toMatchObject({ jobStaleLockMs: 3001, webhooks: { timeoutMs: 3000 } });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must use postgres/],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL is not a valid URL/],
    [{ GRAPHQL_INTROSPECTION: 'maybe' }, /GRAPHQL_INTROSPECTION must be true or false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ IDEMPOTENCY_TTL_HOURS: '1' }, /IDEMPOTENCY_TTL_HOURS must be between 24/],
    [{ CARRIER_TIME_SCALE: 'fast' }, /CARRIER_TIME_SCALE must be a decimal number/],
    [{ CARRIER_LEG_RETENTION_SECS: '0' }, /CARRIER_LEG_RETENTION_SECS/],
    [{ CALL_HOLD_ESTIMATE_MINUTES: '0' }, /CALL_HOLD_ESTIMATE_MINUTES must be between 1/],
    [{ CALL_RECOVERY_INTERVAL_MS: '5' }, /CALL_RECOVERY_INTERVAL_MS must be between 100/],
    [{ INSTANCE_STALE_AFTER_MS: '10000' }, /INSTANCE_STALE_AFTER_MS must be at least 3 × INSTANCE_HEARTBEAT_INTERVAL_MS/],
    [{ JOB_STALE_LOCK_MS: '5000' }, /JOB_STALE_LOCK_MS \(5000\) must be longer than WEBHOOK_TIMEOUT_MS \(10000\)/],
    [{ JOB_STALE_LOCK_MS: '3000', WEBHOOK_TIMEOUT_MS: '3000' }, /JOB_STALE_LOCK_MS \(3000\) must be longer than WEBHOOK_TIMEOUT_MS/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
