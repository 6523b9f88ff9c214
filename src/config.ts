import { availableParallelism } from "node:os";
import { type Static, Type as T } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parseDuration } from "./config-duration";
import { SERVICE_NAME } from "./identity";
import { LOG_LEVELS } from "./observability/log-levels";

const Duration = T.String({ pattern: "^\\d+(\\.\\d+)?(ms|s|m|h|d)?$" });
/** A duration that must not be zero: a lease, a TTL or an interval of 0 would spin or expire at once. */
const PositiveDuration = T.String({ pattern: "^(?!0+(\\.0+)?(ms|s|m|h|d)?$)\\d+(\\.\\d+)?(ms|s|m|h|d)?$" });
const Bool = (fallback?: "true" | "false") =>
  T.Union([T.Literal("true"), T.Literal("false"), T.Literal("1"), T.Literal("0")], { default: fallback });

/** Every variable the service reads, as strings from the environment, with its default. */
const EnvSchema = T.Object({
  NODE_ENV: T.Union([T.Literal("development"), T.Literal("production"), T.Literal("test")], { default: "development" }),
  HOST: T.String({ minLength: 1, default: "0.0.0.0" }),
  PORT: T.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  DATABASE_URL: T.Optional(T.String({ pattern: "^postgres(ql)?://" })),
  READ_DATABASE_URL: T.Optional(T.String({ pattern: "^postgres(ql)?://" })),
  DATABASE_POOL_MAX: T.Integer({ minimum: 1, maximum: 200, default: 10 }),
  DATABASE_PREPARE: Bool("true"),
  DATABASE_TIMEOUT: { ...PositiveDuration, default: "5s" },
  DATA_DIR: T.String({ minLength: 1, default: "./data" }),
  LOG_LEVEL: T.Union(
    LOG_LEVELS.map((level) => T.Literal(level)),
    { default: "info" },
  ),
  LOG_PROBES: Bool("false"),
  PASSWORD_MIN_LENGTH: T.Integer({ minimum: 8, maximum: 128, default: 8 }),
  PASSWORD_COMPOSITION_RULE: Bool("true"),
  PASSWORD_BLOCKLIST: Bool("true"),
  PWNED_PASSWORDS_URL: T.Optional(T.String({ pattern: "^https?://" })),
  PWNED_PASSWORDS_TIMEOUT: { ...PositiveDuration, default: "1s" },
  PWNED_PASSWORDS_FAILURE_MODE: T.Union([T.Literal("open"), T.Literal("closed")], { default: "open" }),
  PASSWORD_HASH_ALGORITHM: T.Union([T.Literal("argon2id"), T.Literal("bcrypt")], { default: "argon2id" }),
  ARGON2_MEMORY_COST: T.Integer({ minimum: 8192, maximum: 1048576, default: 19456 }),
  ARGON2_TIME_COST: T.Integer({ minimum: 1, maximum: 20, default: 2 }),
  BCRYPT_COST: T.Integer({ minimum: 4, maximum: 31, default: 12 }),
  HASH_CONCURRENCY: T.Integer({ minimum: 1, maximum: 256, default: availableParallelism() }),
  HASH_MAX_QUEUE: T.Integer({ minimum: 0, maximum: 100000, default: 256 }),
  IDEMPOTENCY_SECRET: T.Optional(T.String({ minLength: 16 })),
  IDEMPOTENCY_SECRET_VERSION: T.Integer({ minimum: 1, maximum: 32767, default: 1 }),
  IDEMPOTENCY_PREVIOUS_SECRET: T.Optional(T.String({ minLength: 16 })),
  IDEMPOTENCY_KEY_REQUIRED: Bool("false"),
  IDEMPOTENCY_TTL: { ...PositiveDuration, default: "24h" },
  IDEMPOTENCY_LEASE: { ...PositiveDuration, default: "30s" },
  IDEMPOTENCY_SWEEP_INTERVAL: { ...PositiveDuration, default: "60s" },
  OTEL_EXPORTER_OTLP_ENDPOINT: T.Optional(T.String({ pattern: "^https?://" })),
  OTEL_SERVICE_NAME: T.String({ minLength: 1, default: SERVICE_NAME }),
  ENABLE_TRACING: T.Optional(Bool()),
  SHUTDOWN_TIMEOUT: { ...Duration, default: "10s" },
  HTTP_IDLE_TIMEOUT: T.Integer({ minimum: 1, maximum: 255, default: 10 }),
  RATE_LIMIT_SIGNUP: T.Integer({ minimum: 0, maximum: 1000000, default: 0 }),
  /** false, true (one proxy), or how many proxies in front of the service append to X-Forwarded-For. */
  TRUST_PROXY: T.Union([T.Literal("true"), T.Literal("false"), T.String({ pattern: "^([0-9]|10)$" })], { default: "false" }),
  NATS_URL: T.Optional(T.String({ pattern: "^(nats|tls)://" })),
  EVENTS_STREAM: T.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", default: "SIGNUP" }),
  EVENTS_SUBJECT: T.String({ pattern: "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$", maxLength: 255, default: "signup.user.created" }),
  EVENTS_DUPLICATE_WINDOW: { ...PositiveDuration, default: "2m" },
  EVENTS_BATCH_SIZE: T.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  EVENTS_POLL_INTERVAL: { ...PositiveDuration, default: "1s" },
  EVENTS_CLAIM_LEASE: { ...PositiveDuration, default: "30s" },
  EVENTS_RETENTION: { ...PositiveDuration, default: "24h" },
});
type Env = Static<typeof EnvSchema>;

/** Names the FastAPI seed used; teams that bring its `.env` keep working. */
const SEED_ALIASES: Record<string, keyof Env> = {
  DB_DSN: "DATABASE_URL",
  SECRET_KEY: "IDEMPOTENCY_SECRET",
};

const DURATION_PATTERNS = new Set([Duration.pattern, PositiveDuration.pattern]);

/** Durations the service sets a timer for, and the longest timer a JavaScript runtime keeps (about 24.8 days). */
const TIMER_DURATIONS = new Set([
  "DATABASE_TIMEOUT",
  "IDEMPOTENCY_SWEEP_INTERVAL",
  "SHUTDOWN_TIMEOUT",
  "EVENTS_POLL_INTERVAL",
  "EVENTS_CLAIM_LEASE",
]);
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A rejected value is echoed to help, unless it may hold a secret or credentials. */
const shown = (key: string, value: unknown) => (/SECRET|URL|DSN/.test(key) ? "a value that is not shown" : JSON.stringify(value));

const MIN_DUPLICATE_WINDOW_MS = 120_000;
const MAX_PWNED_TIMEOUT_MS = 10_000;

const DEVELOPMENT_SECRET = "signup-service-development-secret-not-for-production";

export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

export interface LoadedConfig {
  config: Config;
  /** Things worth a log line once a logger exists: aliases used, development defaults. */
  notices: string[];
}

export function loadConfig(source: Record<string, string | undefined>): LoadedConfig {
  const notices: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  for (const [alias, name] of Object.entries(SEED_ALIASES)) {
    const value = source[alias];
    if (value && raw[name] === undefined) {
      raw[name] = value;
      notices.push(`${alias} is read as ${name} (seed alias)`);
    }
  }
  if (typeof raw.LOG_LEVEL === "string") raw.LOG_LEVEL = raw.LOG_LEVEL.toLowerCase();
  for (const key of [
    "LOG_PROBES",
    "IDEMPOTENCY_KEY_REQUIRED",
    "TRUST_PROXY",
    "ENABLE_TRACING",
    "DATABASE_PREPARE",
    "PASSWORD_COMPOSITION_RULE",
    "PASSWORD_BLOCKLIST",
  ]) {
    if (typeof raw[key] === "string") raw[key] = (raw[key] as string).toLowerCase();
  }

  // TypeBox's conversion would truncate "1.5" to 1: integers must be written as integers.
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const schema = EnvSchema.properties[key as keyof Env] as { type?: string };
    if (schema.type === "integer" && typeof value === "string" && !/^\d+$/.test(value)) {
      problems.push(`${key}: Expected a whole number (got ${shown(key, value)})`);
    }
  }
  const withDefaults = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw));
  for (const error of Value.Errors(EnvSchema, withDefaults)) {
    const key = error.path.slice(1);
    if (!problems.some((problem) => problem.startsWith(`${key}:`))) {
      const expected =
        "pattern" in error.schema && DURATION_PATTERNS.has(String(error.schema.pattern))
          ? "Expected a duration such as 250ms, 30s, 15m or 24h (not zero for leases, TTLs and intervals)"
          : error.message;
      problems.push(`${key || "environment"}: ${expected} (got ${shown(key, error.value)})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const env = withDefaults as Env;
  for (const [key, schema] of Object.entries(EnvSchema.properties)) {
    if (!("pattern" in schema) || !DURATION_PATTERNS.has(String(schema.pattern))) continue;
    const value = env[key as keyof Env];
    if (typeof value !== "string") continue;
    const ms = parseDuration(value);
    // "0.4ms" passes the pattern but rounds to zero.
    if (schema.pattern === PositiveDuration.pattern && ms < 1) problems.push(`${key}: must be at least 1ms`);
    // A timer set longer than this fires at once.
    if (TIMER_DURATIONS.has(key) && ms > MAX_TIMER_MS) problems.push(`${key}: must be at most 24d`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const leaseMs = parseDuration(env.IDEMPOTENCY_LEASE);
  if (parseDuration(env.IDEMPOTENCY_TTL) <= leaseMs) {
    throw new ConfigError(["IDEMPOTENCY_TTL: must be longer than IDEMPOTENCY_LEASE"]);
  }
  if (parseDuration(env.PWNED_PASSWORDS_TIMEOUT) > MAX_PWNED_TIMEOUT_MS) {
    throw new ConfigError(["PWNED_PASSWORDS_TIMEOUT: must be at most 10s (a signup waits for it)"]);
  }

  const claimLeaseMs = parseDuration(env.EVENTS_CLAIM_LEASE);
  const duplicateWindowMs = parseDuration(env.EVENTS_DUPLICATE_WINDOW);
  if (duplicateWindowMs < MIN_DUPLICATE_WINDOW_MS) {
    throw new ConfigError(["EVENTS_DUPLICATE_WINDOW: must be at least 2m"]);
  }
  // An event whose relay died after the publish is published again once its claim expires:
  // the stream must still remember the first copy then.
  if (claimLeaseMs * 2 > duplicateWindowMs) {
    throw new ConfigError(["EVENTS_CLAIM_LEASE: must be at most half of EVENTS_DUPLICATE_WINDOW"]);
  }

  if (!env.IDEMPOTENCY_SECRET) {
    if (env.NODE_ENV === "production") {
      throw new ConfigError(["IDEMPOTENCY_SECRET (or SECRET_KEY): required when NODE_ENV=production"]);
    }
    notices.push("IDEMPOTENCY_SECRET is not set: using a development secret (set it in production)");
  }
  return { config: toConfig(env), notices };
}

const isTrue = (value: string | undefined) => value === "true" || value === "1";

/** The number of X-Forwarded-For entries written by proxies the service trusts (from the right). */
const trustedProxyCount = (value: string) => (value === "true" ? 1 : value === "false" ? 0 : Number(value));

function toConfig(env: Env) {
  const tracingEndpoint =
    env.ENABLE_TRACING !== undefined && !isTrue(env.ENABLE_TRACING)
      ? undefined
      : (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? (isTrue(env.ENABLE_TRACING) ? "http://localhost:4318" : undefined));
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    database: {
      url: env.DATABASE_URL,
      readUrl: env.READ_DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      prepare: isTrue(env.DATABASE_PREPARE),
      timeoutMs: parseDuration(env.DATABASE_TIMEOUT),
      dataDir: env.DATA_DIR,
    },
    log: { level: env.LOG_LEVEL, probes: isTrue(env.LOG_PROBES) },
    password: {
      minLength: env.PASSWORD_MIN_LENGTH,
      composition: isTrue(env.PASSWORD_COMPOSITION_RULE),
      blocklist: isTrue(env.PASSWORD_BLOCKLIST),
      pwned: env.PWNED_PASSWORDS_URL
        ? {
            url: env.PWNED_PASSWORDS_URL,
            timeoutMs: parseDuration(env.PWNED_PASSWORDS_TIMEOUT),
            failureMode: env.PWNED_PASSWORDS_FAILURE_MODE,
          }
        : undefined,
      algorithm: env.PASSWORD_HASH_ALGORITHM,
      argon2MemoryCost: env.ARGON2_MEMORY_COST,
      argon2TimeCost: env.ARGON2_TIME_COST,
      bcryptCost: env.BCRYPT_COST,
      hashConcurrency: env.HASH_CONCURRENCY,
      hashMaxQueue: env.HASH_MAX_QUEUE,
    },
    idempotency: {
      secret: env.IDEMPOTENCY_SECRET ?? DEVELOPMENT_SECRET,
      secretVersion: env.IDEMPOTENCY_SECRET_VERSION,
      previousSecret: env.IDEMPOTENCY_PREVIOUS_SECRET,
      keyRequired: isTrue(env.IDEMPOTENCY_KEY_REQUIRED),
      ttlMs: parseDuration(env.IDEMPOTENCY_TTL),
      leaseMs: parseDuration(env.IDEMPOTENCY_LEASE),
      sweepIntervalMs: parseDuration(env.IDEMPOTENCY_SWEEP_INTERVAL),
    },
    tracing: { endpoint: tracingEndpoint, serviceName: env.OTEL_SERVICE_NAME },
    shutdownTimeoutMs: parseDuration(env.SHUTDOWN_TIMEOUT),
    idleTimeoutSeconds: env.HTTP_IDLE_TIMEOUT,
    rateLimit: { signupPerMinute: env.RATE_LIMIT_SIGNUP, trustedProxies: trustedProxyCount(env.TRUST_PROXY) },
    events: {
      natsUrl: env.NATS_URL,
      stream: env.EVENTS_STREAM,
      subject: env.EVENTS_SUBJECT,
      duplicateWindowMs: parseDuration(env.EVENTS_DUPLICATE_WINDOW),
      batchSize: env.EVENTS_BATCH_SIZE,
      pollIntervalMs: parseDuration(env.EVENTS_POLL_INTERVAL),
      claimLeaseMs: parseDuration(env.EVENTS_CLAIM_LEASE),
      retentionMs: parseDuration(env.EVENTS_RETENTION),
    },
  };
}
