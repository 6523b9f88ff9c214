import { Elysia } from "elysia";
import type { Config } from "./config";
import type { DatabaseHandle } from "./db/database";
import { liveness } from "./health/liveness";
import { httpPlugin } from "./http/http-plugin";
import { RequestIdRegistry } from "./http/request-context";
import { createFingerprinter } from "./idempotency/fingerprint";
import { createIdempotencyGuard } from "./idempotency/guard";
import { prepareIdempotencyStatements } from "./idempotency/store";
import type { Logger } from "./observability/logger";
import { AdmissionGate } from "./users/admission-gate";
import { createPasswordHasher, hashAlgorithmFrom } from "./users/password-hasher";
import { userRoutes } from "./users/routes";
import { createSignup } from "./users/signup";
import { prepareUserStatements } from "./users/statements";

export interface AppDependencies {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
}

/** The composition root: everything the app needs comes in here, so tests build it with no globals. */
export function buildApp({ config, database, logger }: AppDependencies) {
  const startedAt = performance.now();
  const requestIds = new RequestIdRegistry();
  const hashGate = new AdmissionGate(config.password.hashConcurrency, config.password.hashMaxQueue);
  const hasher = createPasswordHasher(hashAlgorithmFrom(config.password), hashGate);
  const userStatements = prepareUserStatements(database.db, database.readDb);
  const { secret, secretVersion, previousSecret } = config.idempotency;
  const guard = createIdempotencyGuard({
    statements: prepareIdempotencyStatements(database.db),
    fingerprinter: createFingerprinter({
      current: { secret, version: secretVersion },
      previous: previousSecret ? { secret: previousSecret, version: secretVersion - 1 } : undefined,
    }),
    ttlMs: config.idempotency.ttlMs,
    leaseMs: config.idempotency.leaseMs,
  });

  return new Elysia()
    .use(httpPlugin({ logger, requestIds, passwordMinLength: config.password.minLength }))
    .get("/health", () => liveness(startedAt))
    .use(
      userRoutes({
        signup: createSignup({ statements: userStatements, hasher }),
        guard,
        statements: userStatements,
        passwordMinLength: config.password.minLength,
        idempotencyKeyRequired: config.idempotency.keyRequired,
        requestIds,
      }),
    );
}

export type App = ReturnType<typeof buildApp>;
