import { Elysia } from "elysia";
import type { Config } from "./config";
import type { DatabaseHandle } from "./db/database";
import { docsPlugin } from "./docs/docs-plugin";
import { createEventRelay } from "./events/events";
import { createReadiness } from "./health/readiness";
import { operationsRoutes } from "./health/routes";
import { httpPlugin } from "./http/http-plugin";
import { RequestContexts } from "./http/request-context";
import { createFingerprinter } from "./idempotency/fingerprint";
import { createIdempotencyGuard } from "./idempotency/guard";
import { createIdempotencyMetrics } from "./idempotency/metrics";
import { prepareIdempotencyStatements } from "./idempotency/store";
import type { AccessLog } from "./observability/access-log";
import type { Logger } from "./observability/logger";
import { createMetrics } from "./observability/metrics";
import { timedSpans } from "./observability/spans";
import { type Tracing, withoutTracing } from "./observability/tracing";
import { createSignupRateLimit } from "./rate-limit/signup-rate-limit";
import { AdmissionGate } from "./users/admission-gate";
import { commonPasswords } from "./users/common-passwords";
import { createUserReads } from "./users/find-user";
import { createSignupMetrics } from "./users/metrics";
import { createPasswordHasher, hashAlgorithmFrom } from "./users/password-hasher";
import { BCRYPT_MAX_BYTES, createPasswordPolicy } from "./users/password-policy";
import { createPwnedPasswordsCheck } from "./users/pwned-passwords";
import { userRoutes } from "./users/routes";
import { createSignup } from "./users/signup";
import { prepareUserStatements } from "./users/statements";
import { VERSION } from "./version";

/**
 * The hash threads' entry. Written from here because the built binary puts every module at its
 * bundle's root, where this file is too; `bun run build` compiles it as a second entry point.
 */
const HASH_WORKER_URL = new URL("./users/hash-worker.ts", import.meta.url);

export interface AppDependencies {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  accessLog: AccessLog;
  /** Lines the process's output dropped so far, access lines and the log's (`log_lines_dropped_total`); none without a process around the app. */
  logLinesDropped?: () => number;
  tracing?: Tracing;
}

/** The composition root: everything the app needs comes in here, so tests build it with no globals. */
export function buildApp({ config, database, logger, accessLog, logLinesDropped = () => 0, tracing = withoutTracing }: AppDependencies) {
  const startedAt = performance.now();
  const contexts = new RequestContexts(tracing.plugin !== undefined);
  const hashGate = new AdmissionGate(config.password.hashConcurrency, config.password.hashMaxQueue);
  const metrics = createMetrics({
    databasePoolMax: database.driver === "postgres" ? config.database.poolMax : 1,
    logLinesDropped,
  });
  const signupMetrics = createSignupMetrics(metrics.registry, {
    hashesInFlight: () => hashGate.inFlight,
    hashesQueued: () => hashGate.queued,
  });
  const idempotencyMetrics = createIdempotencyMetrics(metrics.registry);
  const spans = timedSpans(tracing.spans, metrics.registry);
  const statementRuntime = { spans, timeoutMs: config.database.timeoutMs };
  const hasher = createPasswordHasher(hashAlgorithmFrom(config.password), hashGate, HASH_WORKER_URL, signupMetrics.hashTimings);
  const passwordRules = {
    minLength: config.password.minLength,
    composition: config.password.composition,
    blocklist: config.password.blocklist,
  };
  const passwordPolicy = createPasswordPolicy({
    ...passwordRules,
    maxBytes: config.password.algorithm === "bcrypt" ? BCRYPT_MAX_BYTES : undefined,
    blocklist: config.password.blocklist ? commonPasswords() : undefined,
  });
  const pwnedPasswords = config.password.pwned
    ? createPwnedPasswordsCheck({ ...config.password.pwned, logger, onOutcome: signupMetrics.pwnedCheck })
    : undefined;
  const { natsUrl } = config.events;
  // Without NATS_URL no event is written at all (README, "Events"): nothing waits for a relay that never comes.
  const relay = natsUrl
    ? createEventRelay({ config: config.events, natsUrl, db: database.db, runtime: statementRuntime, logger, registry: metrics.registry })
    : undefined;
  const userStatements = prepareUserStatements(database.db, database.replica?.db, statementRuntime, { outbox: relay !== undefined });
  const { secret, secretVersion, previousSecret } = config.idempotency;
  const guard = createIdempotencyGuard({
    statements: prepareIdempotencyStatements(database.db, statementRuntime),
    fingerprinter: createFingerprinter({
      current: { secret, version: secretVersion },
      previous: previousSecret ? { secret: previousSecret, version: secretVersion - 1 } : undefined,
    }),
    ttlMs: config.idempotency.ttlMs,
    leaseMs: config.idempotency.leaseMs,
    spans,
    onOutcome: idempotencyMetrics.outcome,
  });
  const readiness = createReadiness({
    database,
    version: VERSION,
    startedAt,
    diskPath: database.driver === "pglite" && !config.database.dataDir.startsWith("memory://") ? config.database.dataDir : ".",
    informational: relay ? { events: relay.status } : {},
  });

  const app = new Elysia()
    .use(tracing.plugin ?? new Elysia({ name: "tracing-off" }))
    .use(
      httpPlugin({
        logger,
        accessLog,
        metrics,
        contexts,
        logProbes: config.log.probes,
      }),
    )
    .use(operationsRoutes({ startedAt, readiness, metrics }))
    .use(docsPlugin(VERSION))
    .use(
      userRoutes({
        signup: createSignup({ statements: userStatements, hasher, spans, pwnedPasswords, events: relay && { recorded: relay.wake } }),
        guard,
        findUser: createUserReads({
          statements: userStatements,
          replica: database.replica,
          writeTimeoutMs: config.database.timeoutMs,
          primaryRereads: Math.max(1, Math.floor(config.database.poolMax / 2)),
          registry: metrics.registry,
          logger,
        }),
        spans,
        contexts,
        metrics: signupMetrics,
        passwordRules,
        passwordPolicy,
        idempotencyKeyRequired: config.idempotency.keyRequired,
        isStarted: () => readiness.lifecycle !== "starting",
        rateLimit:
          config.rateLimit.signupPerMinute > 0
            ? createSignupRateLimit(database.db, statementRuntime, config.rateLimit.signupPerMinute)
            : undefined,
        trustedProxies: config.rateLimit.trustedProxies,
      }),
    );
  return { app, readiness, metrics, idempotencyMetrics, relay };
}

export type App = ReturnType<typeof buildApp>["app"];
