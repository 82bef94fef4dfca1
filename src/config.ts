// The environment, parsed and validated once at start. A bad value stops the process with a message that
// names the variable, instead of surfacing later as a confusing runtime failure.

export interface Config {
  port: number;
  host: string;
  /** Unset → the gateway starts an embedded PostgreSQL in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  databasePoolSize: number;
  /** Unset → in-memory pub/sub and rate limiting (one instance). */
  redisUrl?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Requests per window and window length, per API key. */
  rateLimitPoints: number;
  rateLimitWindowSeconds: number;
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  /** Aliases one operation may use (each can run its field again, so they multiply work). */
  graphqlMaxAliases: number;
  /** Tokens a GraphQL document may hold: bounds parsing and validation of any document, however built. */
  graphqlMaxTokens: number;
  graphqlIntrospection: boolean;
  /** Largest accepted request body, bytes. */
  bodyLimitBytes: number;
  idempotencyTtlHours: number;
  /** Open WebSockets whose key was revoked or expired are closed within this many milliseconds. */
  wsKeyRecheckMs: number;
  /** Seeds a demo tenant and prints its key at start (on by default for the embedded database). */
  seedDemo: boolean;
  /** Unset → the local Stripe-compatible server (payments/stripe-local) is started and used. */
  stripeSecretKey?: string;
  stripeWebhookSecret?: string;
  /** Unset → api.stripe.com. Another Stripe-compatible server (with STRIPE_SECRET_KEY): one that outlives the gateway. */
  stripeApiUrl?: string;
  topUpMinimumCents: number;
  topUpMaximumCents: number;
  /** Background jobs (webhook delivery) run by this process at once; 0 runs none here (another instance does). */
  jobConcurrency: number;
  /** How often workers look for jobs scheduled in the future (retries); new jobs wake them at once. */
  jobPollIntervalMs: number;
  /** A job locked this long belongs to a dead process: it is unlocked and runs again elsewhere. */
  jobStaleLockMs: number;
  webhooks: WebhookSettings;
  /** GraphQL subscriptions one WebSocket may hold, and one tenant across this instance's sockets. */
  wsMaxSubscriptionsPerSocket: number;
  wsMaxSubscriptionsPerTenant: number;
  /** Multiplies the carrier simulator's delays (activations, call progress); 0.01 plays a 60 s call in 0.6 s. */
  carrierTimeScale: number;
  /** Minutes of the destination's price frozen as a credit hold when a call is placed (or an inbound one answered). */
  callHoldEstimateMinutes: number;
  /** Seconds an inbound call rings unanswered before the carrier ends it no_answer (scaled by CARRIER_TIME_SCALE). */
  inboundRingTimeoutSecs: number;
  /** Seconds (real) the carrier simulator remembers an ended call leg; longer than CALL_RECOVERY_INTERVAL_MS. */
  carrierLegRetentionSecs: number;
  /** How often calls whose carrier leg is gone are looked for and settled (also once at start). */
  callRecoveryIntervalMs: number;
  /** How often this instance writes its heartbeat (the calls its in-process carrier holds are alive). */
  instanceHeartbeatIntervalMs: number;
  /** Another instance silent this long is gone: its calls are settled as lost. */
  instanceStaleAfterMs: number;
  /** Largest porting document (LOA, bill) accepted by POST /v1/numbers/porting-documents, bytes. */
  portingDocumentMaxBytes: number;
  /** How often the numbers background work runs (porting progression, stuck-activation recovery); 0 = off. */
  numbersJobsIntervalMs: number;
  /** A number pending this long has lost its submission or its carrier event: the numbers job recovers it. */
  activationRecoveryAfterMs: number;
}

export interface WebhookSettings {
  /**
   * Off in production: targets resolving to loopback, private, link-local or metadata addresses are refused.
   * Tests turn it on to deliver to a receiver on 127.0.0.1.
   */
  allowPrivateTargets: boolean;
  /** A PEM file of extra CA certificates trusted for deliveries (a test receiver's own CA). */
  caFile?: string;
  /** One attempt's time limit. */
  timeoutMs: number;
  /** First retry delay; doubled per attempt, capped at retryMaxDelayMs, with jitter. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Retries stop this long after the event: the delivery is then failed. */
  retryWindowMs: number;
  /** A subscription whose every attempt has failed for this long is disabled. */
  disableAfterMs: number;
  /** How long a rotated-out signing secret keeps signing, unless the rotation says otherwise. */
  secretGraceSeconds: number;
}

/** Production defaults: what a context without configuration (the admin CLI, jobs in tests) uses. */
export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivateTargets: false,
  timeoutMs: 10_000,
  retryBaseMs: 30_000,
  retryMaxDelayMs: 3_600_000,
  retryWindowMs: 3 * 86_400_000,
  disableAfterMs: 5 * 86_400_000,
  secretGraceSeconds: 86_400,
};

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

function stripe(env: Env): Pick<Config, 'stripeSecretKey' | 'stripeWebhookSecret' | 'stripeApiUrl'> {
  const key = env.STRIPE_SECRET_KEY || undefined;
  const secret = env.STRIPE_WEBHOOK_SECRET || undefined;
  if (key && !/^(sk|rk)_(test|live)_/.test(key)) throw new ConfigError('STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_…, sk_live_…)');
  if (key && !secret) throw new ConfigError('STRIPE_WEBHOOK_SECRET (whsec_…) is required with STRIPE_SECRET_KEY, to verify Stripe events');
  if (secret && !secret.startsWith('whsec_')) throw new ConfigError('STRIPE_WEBHOOK_SECRET must start with whsec_');
  const apiUrl = url(env, 'STRIPE_API_URL', ['http:', 'https:']);
  if (apiUrl && !key) throw new ConfigError('STRIPE_API_URL needs STRIPE_SECRET_KEY (and STRIPE_WEBHOOK_SECRET): the server it names is used instead of Stripe');
  return { stripeSecretKey: key, stripeWebhookSecret: secret, stripeApiUrl: apiUrl };
}

function webhookSettings(env: Env): WebhookSettings {
  const d = DEFAULT_WEBHOOK_SETTINGS;
  const retryBaseMs = int(env, 'WEBHOOK_RETRY_BASE_MS', d.retryBaseMs, 10, 86_400_000);
  const retryMaxDelayMs = int(env, 'WEBHOOK_RETRY_MAX_DELAY_MS', d.retryMaxDelayMs, 10, 86_400_000);
  if (retryMaxDelayMs < retryBaseMs) throw new ConfigError('WEBHOOK_RETRY_MAX_DELAY_MS must not be below WEBHOOK_RETRY_BASE_MS');
  return {
    allowPrivateTargets: bool(env, 'WEBHOOK_ALLOW_PRIVATE_TARGETS', d.allowPrivateTargets),
    caFile: env.WEBHOOK_CA_FILE || undefined,
    timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', d.timeoutMs, 100, 120_000),
    retryBaseMs,
    retryMaxDelayMs,
    retryWindowMs: int(env, 'WEBHOOK_RETRY_WINDOW_MS', d.retryWindowMs, 100, 30 * 86_400_000),
    disableAfterMs: int(env, 'WEBHOOK_DISABLE_AFTER_MS', d.disableAfterMs, 100, 90 * 86_400_000),
    secretGraceSeconds: int(env, 'WEBHOOK_SECRET_GRACE_SECONDS', d.secretGraceSeconds, 0, 30 * 86_400),
  };
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(`${name} must be a decimal number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function instanceSettings(env: Env): Pick<Config, 'instanceHeartbeatIntervalMs' | 'instanceStaleAfterMs'> {
  const instanceHeartbeatIntervalMs = int(env, 'INSTANCE_HEARTBEAT_INTERVAL_MS', 5_000, 50, 600_000);
  const instanceStaleAfterMs = int(env, 'INSTANCE_STALE_AFTER_MS', 30_000, 200, 86_400_000);
  // A live instance must never look gone between two of its heartbeats (and a slow write or two).
  if (instanceStaleAfterMs < 3 * instanceHeartbeatIntervalMs) throw new ConfigError('INSTANCE_STALE_AFTER_MS must be at least 3 × INSTANCE_HEARTBEAT_INTERVAL_MS');
  return { instanceHeartbeatIntervalMs, instanceStaleAfterMs };
}

function jobSettings(env: Env): Pick<Config, 'jobStaleLockMs' | 'webhooks'> {
  const webhooks = webhookSettings(env);
  const jobStaleLockMs = int(env, 'JOB_STALE_LOCK_MS', 300_000, 500, 86_400_000);
  // A job locked this long is taken for a dead worker's and runs again. A webhook attempt legitimately holds its
  // lock up to WEBHOOK_TIMEOUT_MS, so a stale lock no longer than that would hand live workers' jobs to a second
  // worker: the delivery is sent twice and one of the two outcomes overwrites the other.
  if (jobStaleLockMs <= webhooks.timeoutMs) {
    throw new ConfigError(`JOB_STALE_LOCK_MS (${jobStaleLockMs}) must be longer than WEBHOOK_TIMEOUT_MS (${webhooks.timeoutMs})`);
  }
  return { jobStaleLockMs, webhooks };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    dataDir: env.DATA_DIR || '.data',
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 500),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    logLevel,
    rateLimitPoints: int(env, 'RATE_LIMIT_PER_WINDOW', 600, 1, 1_000_000),
    rateLimitWindowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    graphqlMaxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 10, 2, 100),
    graphqlMaxComplexity: int(env, 'GRAPHQL_MAX_COMPLEXITY', 1000, 10, 1_000_000),
    graphqlMaxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 50, 0, 10_000),
    graphqlMaxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 5000, 100, 1_000_000),
    graphqlIntrospection: bool(env, 'GRAPHQL_INTROSPECTION', true),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 50 * 1_048_576),
    idempotencyTtlHours: int(env, 'IDEMPOTENCY_TTL_HOURS', 24, 24, 24 * 30),
    wsKeyRecheckMs: int(env, 'WS_KEY_RECHECK_MS', 2000, 50, 600_000),
    seedDemo: bool(env, 'SEED_DEMO', databaseUrl === undefined),
    ...stripe(env),
    topUpMinimumCents: int(env, 'TOPUP_MINIMUM_CENTS', 500, 50, 100_000_000),
    topUpMaximumCents: int(env, 'TOPUP_MAXIMUM_CENTS', 1_000_000, 50, 100_000_000),
    jobConcurrency: int(env, 'JOB_CONCURRENCY', 4, 0, 100),
    jobPollIntervalMs: int(env, 'JOB_POLL_INTERVAL_MS', 1000, 50, 600_000),
    ...jobSettings(env),
    wsMaxSubscriptionsPerSocket: int(env, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET', 50, 1, 10_000),
    wsMaxSubscriptionsPerTenant: int(env, 'WS_MAX_SUBSCRIPTIONS_PER_TENANT', 500, 1, 1_000_000),
    carrierTimeScale: decimal(env, 'CARRIER_TIME_SCALE', 1, 0, 100),
    callHoldEstimateMinutes: int(env, 'CALL_HOLD_ESTIMATE_MINUTES', 10, 1, 240),
    inboundRingTimeoutSecs: int(env, 'INBOUND_RING_TIMEOUT_SECS', 30, 1, 600),
    carrierLegRetentionSecs: int(env, 'CARRIER_LEG_RETENTION_SECS', 1800, 1, 604_800),
    callRecoveryIntervalMs: int(env, 'CALL_RECOVERY_INTERVAL_MS', 60_000, 100, 86_400_000),
    ...instanceSettings(env),
    portingDocumentMaxBytes: int(env, 'PORTING_DOCUMENT_MAX_BYTES', 5 * 1_048_576, 1024, 25 * 1_048_576),
    numbersJobsIntervalMs: int(env, 'NUMBERS_JOBS_INTERVAL_MS', 30_000, 0, 3_600_000),
    activationRecoveryAfterMs: int(env, 'ACTIVATION_RECOVERY_AFTER_MS', 120_000, 100, 86_400_000),
  };
}
