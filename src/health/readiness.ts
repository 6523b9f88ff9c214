import type { DatabaseHandle } from "../db/database";
import { safeError } from "../db/errors";
import { SERVICE_NAME } from "./liveness";
import { createSystemSnapshot } from "./system-snapshot";

export const DATABASE_CHECK_TIMEOUT_MS = 1000;

export type Lifecycle = "starting" | "ready" | "shutting_down";

async function checkDatabase(database: DatabaseHandle) {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_CHECK_TIMEOUT_MS} ms`)), DATABASE_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([database.ping(), timeout]);
    return {
      status: "healthy" as const,
      message: `Database connection is active (${database.driver})`,
      latency_ms: Math.round((performance.now() - started) * 100) / 100,
    };
  } catch (error) {
    return {
      status: "unhealthy" as const,
      message: `Database check failed: ${safeError(error).message}`,
      latency_ms: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Readiness: the database answers within a second and the service is neither starting nor
 * shutting down. A load balancer stops sending traffic as soon as this says 503.
 * `informational` checks are shown beside those and never make it 503 (they read no I/O).
 */
export function createReadiness(options: {
  database: DatabaseHandle;
  version: string;
  startedAt: number;
  diskPath: string;
  informational?: Record<string, () => object>;
}) {
  let lifecycle: Lifecycle = "ready";
  const systemSnapshot = createSystemSnapshot(options.diskPath);
  return {
    set(state: Lifecycle) {
      lifecycle = state;
    },
    get lifecycle() {
      return lifecycle;
    },
    async check() {
      const database = await checkDatabase(options.database);
      const ready = lifecycle === "ready" && database.status === "healthy";
      return {
        httpStatus: ready ? 200 : 503,
        body: {
          status: ready ? ("ready" as const) : ("not_ready" as const),
          service: SERVICE_NAME,
          version: options.version,
          uptime_seconds: Math.round((performance.now() - options.startedAt) / 100) / 10,
          ...(lifecycle === "ready" ? {} : { reason: lifecycle }),
          checks: {
            database,
            system: systemSnapshot(),
            ...Object.fromEntries(Object.entries(options.informational ?? {}).map(([name, check]) => [name, check()])),
          },
        },
      };
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;
