import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config";

const SECRET = "unit-test-secret-0123456789abcdef";

/** loadConfig with a valid secret, so only what the test sets matters. */
const load = (env: Record<string, string | undefined> = {}) => loadConfig({ IDEMPOTENCY_SECRET: SECRET, ...env }).config;

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe("loadConfig defaults", () => {
  test("an empty environment gives the documented defaults", () => {
    const config = load();
    expect(config.env).toBe("development");
    expect(config.host).toBe("0.0.0.0");
    expect(config.port).toBe(8000);
    expect(config.database).toEqual({
      url: undefined,
      readUrl: undefined,
      poolMax: 10,
      prepare: true,
      timeoutMs: 5000,
      dataDir: "./data",
    });
    expect(config.log).toEqual({ level: "info", probes: false });
    expect(config.password).toEqual({
      minLength: 8,
      composition: true,
      blocklist: true,
      pwned: undefined,
      algorithm: "argon2id",
      argon2MemoryCost: 19456,
      argon2TimeCost: 2,
      bcryptCost: 12,
      hashConcurrency: 2,
      hashMaxQueue: 256,
    });
    expect(config.idempotency).toMatchObject({
      secretVersion: 1,
      previousSecret: undefined,
      keyRequired: false,
      ttlMs: 24 * 3_600_000,
      leaseMs: 30_000,
      sweepIntervalMs: 60_000,
    });
    expect(config.tracing).toEqual({ endpoint: undefined, serviceName: "signup-service" });
    expect(config.shutdownTimeoutMs).toBe(10_000);
    expect(config.rateLimit).toEqual({ signupPerMinute: 0, trustedProxies: 0 });
  });

  test("an empty string counts as unset", () => {
    expect(load({ PORT: "", HASH_MAX_QUEUE: "" }).port).toBe(8000);
    expect(load({ HASH_MAX_QUEUE: "" }).password.hashMaxQueue).toBe(256);
  });
});

describe("loadConfig conversion", () => {
  test("numbers arrive as numbers", () => {
    const config = load({ PORT: "3000", HASH_MAX_QUEUE: "0", HASH_CONCURRENCY: "8", ARGON2_MEMORY_COST: "65536" });
    expect(config.port).toBe(3000);
    expect(config.password.hashMaxQueue).toBe(0);
    expect(config.password.hashConcurrency).toBe(8);
    expect(config.password.argon2MemoryCost).toBe(65536);
  });

  test.each([
    ["true", true],
    ["TRUE", true],
    ["1", true],
    ["false", false],
    ["False", false],
    ["0", false],
  ])("boolean %p -> %p", (text, expected) => {
    const config = load({ LOG_PROBES: text, IDEMPOTENCY_KEY_REQUIRED: text, TRUST_PROXY: text, DATABASE_PREPARE: text });
    expect(config.log.probes).toBe(expected);
    expect(config.idempotency.keyRequired).toBe(expected);
    expect(config.rateLimit.trustedProxies).toBe(expected ? 1 : 0);
    expect(config.database.prepare).toBe(expected);
  });

  test.each([
    ["2", 2],
    ["10", 10],
  ])("TRUST_PROXY %p trusts that many proxies", (text, expected) => {
    expect(load({ TRUST_PROXY: text }).rateLimit.trustedProxies).toBe(expected);
  });

  test.each(["11", "-1", "yes", "1.5"])("TRUST_PROXY %p is refused", (text) => {
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, TRUST_PROXY: text }).problems.join("\n")).toContain("TRUST_PROXY");
  });

  test("durations that would round to zero, or overflow a timer, are refused", () => {
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, DATABASE_TIMEOUT: "0.4ms" }).problems.join("\n")).toContain(
      "DATABASE_TIMEOUT: must be at least 1ms",
    );
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, EVENTS_POLL_INTERVAL: "25d" }).problems.join("\n")).toContain(
      "EVENTS_POLL_INTERVAL: must be at most 24d",
    );
    expect(load({ IDEMPOTENCY_TTL: "30d" }).idempotency.ttlMs).toBe(30 * 86_400_000);
  });

  test("DATABASE_TIMEOUT is a duration, not zero", () => {
    expect(load({ DATABASE_TIMEOUT: "750ms" }).database.timeoutMs).toBe(750);
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, DATABASE_TIMEOUT: "0s" }).problems.join("\n")).toContain("DATABASE_TIMEOUT");
  });

  test.each([
    ["24h", 86_400_000],
    ["30s", 30_000],
    ["250ms", 250],
    ["15m", 900_000],
    ["2d", 172_800_000],
    ["90", 90_000],
  ])("IDEMPOTENCY_TTL %p -> %p ms", (text, ms) => {
    expect(load({ IDEMPOTENCY_TTL: text, IDEMPOTENCY_LEASE: "100ms" }).idempotency.ttlMs).toBe(ms);
  });

  test("the other durations convert too", () => {
    const config = load({ IDEMPOTENCY_LEASE: "5s", IDEMPOTENCY_SWEEP_INTERVAL: "2m", SHUTDOWN_TIMEOUT: "1500ms" });
    expect(config.idempotency.leaseMs).toBe(5_000);
    expect(config.idempotency.sweepIntervalMs).toBe(120_000);
    expect(config.shutdownTimeoutMs).toBe(1_500);
  });

  test("LOG_LEVEL is case-insensitive", () => {
    expect(load({ LOG_LEVEL: "INFO" }).log.level).toBe("info");
    expect(load({ LOG_LEVEL: "Debug" }).log.level).toBe("debug");
  });
});

describe("loadConfig seed aliases", () => {
  test("DB_DSN is read as DATABASE_URL, with a notice naming the alias", () => {
    const { config, notices } = loadConfig({ IDEMPOTENCY_SECRET: SECRET, DB_DSN: "postgres://u@db/app" });
    expect(config.database.url).toBe("postgres://u@db/app");
    expect(notices.some((notice) => notice.includes("DB_DSN") && notice.includes("DATABASE_URL"))).toBe(true);
  });

  test("SECRET_KEY is read as IDEMPOTENCY_SECRET, with a notice naming the alias", () => {
    const { config, notices } = loadConfig({ SECRET_KEY: SECRET });
    expect(config.idempotency.secret).toBe(SECRET);
    expect(notices.some((notice) => notice.includes("SECRET_KEY") && notice.includes("IDEMPOTENCY_SECRET"))).toBe(true);
    expect(notices.some((notice) => notice.includes("development secret"))).toBe(false);
  });

  test("the real name wins over the alias, and then no alias notice", () => {
    const { config, notices } = loadConfig({
      IDEMPOTENCY_SECRET: SECRET,
      SECRET_KEY: "another-secret-0123456789",
      DATABASE_URL: "postgresql://real/app",
      DB_DSN: "postgres://alias/app",
    });
    expect(config.database.url).toBe("postgresql://real/app");
    expect(config.idempotency.secret).toBe(SECRET);
    expect(notices).toEqual([]);
  });

  test("an aliased value is validated like the real one", () => {
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, DB_DSN: "mysql://x" }).message).toContain("DATABASE_URL");
  });
});

describe("loadConfig rejects bad values, naming the variable", () => {
  test.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["PASSWORD_HASH_ALGORITHM", "md5"],
    ["DATABASE_URL", "mysql://x"],
    ["IDEMPOTENCY_TTL", "forever"],
    ["IDEMPOTENCY_TTL", "-5s"],
    ["LOG_LEVEL", "loud"],
    ["TRUST_PROXY", "yes"],
    ["NODE_ENV", "staging"],
    ["HASH_CONCURRENCY", "0"],
    ["IDEMPOTENCY_SECRET", "too-short"],
    ["PORT", "1.5"],
    ["PORT", " 80"],
    ["HASH_CONCURRENCY", "2.9"],
    ["IDEMPOTENCY_SWEEP_INTERVAL", "0"],
    ["IDEMPOTENCY_LEASE", "0ms"],
    ["PASSWORD_COMPOSITION_RULE", "nist"],
    ["PASSWORD_BLOCKLIST", "off"],
    ["PWNED_PASSWORDS_URL", "ftp://example.com"],
    ["PWNED_PASSWORDS_TIMEOUT", "0"],
    ["PWNED_PASSWORDS_TIMEOUT", "11s"],
    ["PWNED_PASSWORDS_FAILURE_MODE", "ignore"],
  ])("%s=%p", (name, value) => {
    const error = configError({ IDEMPOTENCY_SECRET: SECRET, [name]: value });
    expect(error.message).toContain(name);
    expect(error.problems.some((problem) => problem.startsWith(`${name}:`))).toBe(true);
  });

  test("a TTL no longer than the lease is refused", () => {
    const error = configError({ IDEMPOTENCY_SECRET: SECRET, IDEMPOTENCY_TTL: "10s", IDEMPOTENCY_LEASE: "30s" });
    expect(error.problems).toEqual(["IDEMPOTENCY_TTL: must be longer than IDEMPOTENCY_LEASE"]);
  });

  test("a rejected secret or connection string is never echoed", () => {
    const secret = "short-secret";
    const url = "mysql://admin:hunter2@db/x";
    const error = configError({ IDEMPOTENCY_SECRET: secret, DATABASE_URL: url });
    expect(error.message).toContain("IDEMPOTENCY_SECRET");
    expect(error.message).toContain("DATABASE_URL");
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain("hunter2");
  });

  test("every bad variable is reported, not just the first", () => {
    const error = configError({ IDEMPOTENCY_SECRET: SECRET, PORT: "abc", LOG_LEVEL: "loud" });
    expect(error.message).toContain("PORT");
    expect(error.message).toContain("LOG_LEVEL");
  });
});

describe("loadConfig password policy", () => {
  test("NIST mode, the list off and the online lookup, as configured", () => {
    const config = load({
      PASSWORD_COMPOSITION_RULE: "FALSE",
      PASSWORD_BLOCKLIST: "0",
      PWNED_PASSWORDS_URL: "http://127.0.0.1:9999",
      PWNED_PASSWORDS_TIMEOUT: "250ms",
      PWNED_PASSWORDS_FAILURE_MODE: "closed",
    });
    expect(config.password).toMatchObject({
      composition: false,
      blocklist: false,
      pwned: { url: "http://127.0.0.1:9999", timeoutMs: 250, failureMode: "closed" },
    });
    expect(load({ PWNED_PASSWORDS_URL: "https://api.pwnedpasswords.com" }).password.pwned).toEqual({
      url: "https://api.pwnedpasswords.com",
      timeoutMs: 1_000,
      failureMode: "open",
    });
  });
});

describe("loadConfig idempotency secret", () => {
  test("production without a secret throws, naming IDEMPOTENCY_SECRET", () => {
    const error = configError({ NODE_ENV: "production" });
    expect(error.message).toContain("IDEMPOTENCY_SECRET");
  });

  test("production with IDEMPOTENCY_SECRET or SECRET_KEY loads", () => {
    expect(loadConfig({ NODE_ENV: "production", IDEMPOTENCY_SECRET: SECRET }).config.idempotency.secret).toBe(SECRET);
    expect(loadConfig({ NODE_ENV: "production", SECRET_KEY: SECRET }).config.idempotency.secret).toBe(SECRET);
  });

  test("outside production a development secret is used, with a notice", () => {
    const { config, notices } = loadConfig({});
    expect(config.idempotency.secret.length).toBeGreaterThanOrEqual(16);
    expect(notices.some((notice) => notice.includes("IDEMPOTENCY_SECRET"))).toBe(true);
  });

  test("a configured secret gives no notice", () => {
    expect(loadConfig({ IDEMPOTENCY_SECRET: SECRET }).notices).toEqual([]);
  });
});

describe("loadConfig tracing", () => {
  const ENDPOINT = "http://collector:4318";

  test("off by default", () => {
    expect(load().tracing.endpoint).toBeUndefined();
  });

  test("an endpoint alone turns it on", () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT }).tracing.endpoint).toBe(ENDPOINT);
  });

  test.each(["false", "0", "FALSE"])("ENABLE_TRACING=%p disables it even with an endpoint", (flag) => {
    expect(load({ ENABLE_TRACING: flag, OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT }).tracing.endpoint).toBeUndefined();
  });

  test("ENABLE_TRACING=true without an endpoint uses the local collector", () => {
    expect(load({ ENABLE_TRACING: "true" }).tracing.endpoint).toBe("http://localhost:4318");
  });

  test("ENABLE_TRACING=true with an endpoint uses that endpoint", () => {
    expect(load({ ENABLE_TRACING: "1", OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT }).tracing.endpoint).toBe(ENDPOINT);
  });
});

describe("loadConfig events", () => {
  test("off by default, with the documented stream, subject and durations", () => {
    expect(load().events).toEqual({
      natsUrl: undefined,
      stream: "SIGNUP",
      subject: "signup.user.created",
      duplicateWindowMs: 120_000,
      batchSize: 100,
      pollIntervalMs: 1000,
      claimLeaseMs: 30_000,
      retentionMs: 24 * 3_600_000,
    });
  });

  test("NATS_URL turns them on; a URL that is not nats:// or tls:// is refused without being echoed", () => {
    expect(load({ NATS_URL: "nats://nats:4222" }).events.natsUrl).toBe("nats://nats:4222");
    const error = configError({ IDEMPOTENCY_SECRET: SECRET, NATS_URL: "http://user:hunter2@nats" });
    expect(error.message).toContain("NATS_URL");
    expect(error.message).not.toContain("hunter2");
  });

  test("a stream or subject name NATS would refuse is refused at start", () => {
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, EVENTS_STREAM: "my.stream" }).message).toContain("EVENTS_STREAM");
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, EVENTS_SUBJECT: "signup.*" }).message).toContain("EVENTS_SUBJECT");
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, EVENTS_SUBJECT: "signup..user" }).message).toContain("EVENTS_SUBJECT");
  });

  test("a duplicate window under two minutes, or a claim longer than half of it, is refused", () => {
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, EVENTS_DUPLICATE_WINDOW: "60s" }).problems).toEqual([
      "EVENTS_DUPLICATE_WINDOW: must be at least 2m",
    ]);
    expect(configError({ IDEMPOTENCY_SECRET: SECRET, EVENTS_CLAIM_LEASE: "90s" }).problems).toEqual([
      "EVENTS_CLAIM_LEASE: must be at most half of EVENTS_DUPLICATE_WINDOW",
    ]);
    expect(load({ EVENTS_CLAIM_LEASE: "90s", EVENTS_DUPLICATE_WINDOW: "3m" }).events.claimLeaseMs).toBe(90_000);
  });
});
