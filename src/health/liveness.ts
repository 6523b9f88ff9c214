import type { Static } from "@sinclair/typebox";
import { t } from "elysia";
import { SERVICE_NAME } from "../identity";

export const livenessSchema = t.Object({
  status: t.Literal("healthy"),
  service: t.String({ examples: [SERVICE_NAME] }),
  timestamp: t.String({ format: "date-time" }),
  uptime_seconds: t.Number(),
});

/** Liveness: answers without any I/O, so a slow database never gets the process restarted. */
export function liveness(startedAt: number): Static<typeof livenessSchema> {
  return {
    status: "healthy",
    service: SERVICE_NAME,
    timestamp: new Date().toISOString(),
    uptime_seconds: Math.round((performance.now() - startedAt) / 100) / 10,
  };
}
