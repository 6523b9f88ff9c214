import { type Static, Type } from "@sinclair/typebox";
import { t } from "elysia";
import type { DatabaseHandle } from "../db/database";
import { withDeadline } from "../db/deadline";
import { safeError } from "../db/errors";
import { SERVICE_NAME } from "../identity";
import { createSystemSnapshot } from "./system-snapshot";

const DATABASE_CHECK_TIMEOUT_MS = 1000;

export type Lifecycle = "starting" | "ready" | "shutting_down";

/** The seed's /ready shape plus the database check's latency. */
const databaseCheckSchema = t.Object({
  status: t.Union([t.Literal("healthy"), t.Literal("unhealthy")]),
  message: t.String(),
  latency_ms: t.Number(),
});

export const readinessSchema = t.Object({
  status: t.Union([t.Literal("ready"), t.Literal("not_ready")]),
  service: t.String({ examples: [SERVICE_NAME] }),
  version: t.String(),
  uptime_seconds: t.Number(),
  reason: t.Optional(
    t.Union([t.Literal("starting"), t.Literal("shutting_down")], { description: "Why it is not ready, when that is not the database" }),
  ),
  checks: t.Object({
    database: databaseCheckSchema,
    read_database: t.Optional(
      t.Composite([databaseCheckSchema], {
        description:
          "The read replica (READ_DATABASE_URL), when there is one; reported, never required: the primary serves reads while it is down",
      }),
    ),
    events: t.Optional(
      t.Object(
        {
          status: t.Union([t.Literal("healthy"), t.Literal("degraded")]),
          state: t.String({ examples: ["publishing"] }),
          message: t.String(),
          consecutive_failures: Type.Integer({ minimum: 0 }),
          last_published_at: t.Optional(t.String({ format: "date-time" })),
        },
        { description: "The event relay to NATS JetStream, when NATS_URL is set; reported, never required: signups work without NATS" },
      ),
    ),
    system: t.Object({
      cpu: t.Object({ usage_percent: t.Number(), count: Type.Integer() }),
      memory: t.Object({ total_mb: t.Number(), available_mb: t.Number(), used_percent: t.Number() }),
      disk: t.Object({ total_gb: t.Number(), free_gb: t.Number(), used_percent: t.Number() }),
    }),
  }),
});

async function checkDatabase(database: DatabaseHandle) {
  const started = performance.now();
  try {
    await withDeadline(database.ping(), DATABASE_CHECK_TIMEOUT_MS);
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
  }
}

/**
 * Readiness: the database answers within a second and the service is neither starting nor
 * shutting down. A load balancer stops sending traffic as soon as this says 503. A read
 * replica's own check and the `informational` checks are shown beside those and never make it
 * 503 (the informational ones read no I/O).
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
    async check(): Promise<{ httpStatus: 200 | 503; body: Static<typeof readinessSchema> }> {
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
          checks: {
            database,
            ...(readDatabase ? { read_database: readDatabase } : {}),
            system: systemSnapshot(),
            ...Object.fromEntries(Object.entries(options.informational ?? {}).map(([name, check]) => [name, check()])),
          },
        },
      };
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;
