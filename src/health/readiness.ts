import type { DatabaseHandle } from "../db/database";
import { safeError } from "../db/errors";
import { SERVICE_NAME } from "../identity";
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
 * shutting down. A read replica's own check is shown beside it but does not decide readiness. A load balancer stops sending traffic as soon as this says 503.
 */
export function createReadiness(options: { database: DatabaseHandle; version: string; startedAt: number; diskPath: string }) {
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
      // The replica's state is reported, never required: while it is down the primary serves reads.
      const [database, readDatabase] = await Promise.all([checkDatabase(options.database), options.database.replica?.check()]);
      const ready = lifecycle === "ready" && database.status === "healthy";
      return {
        httpStatus: ready ? 200 : 503,
        body: {
          status: ready ? ("ready" as const) : ("not_ready" as const),
          service: SERVICE_NAME,
          version: options.version,
          uptime_seconds: Math.round((performance.now() - options.startedAt) / 100) / 10,
          ...(lifecycle === "ready" ? {} : { reason: lifecycle }),
          checks: { database, ...(readDatabase ? { read_database: readDatabase } : {}), system: systemSnapshot() },
        },
      };
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;
