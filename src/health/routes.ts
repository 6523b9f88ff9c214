import { Elysia } from "elysia";
import { commonResponseHeaders, jsonResponse, requestIdParameters, unexpectedFailureResponse } from "../http/problem-schema";
import { PROBE_PATHS } from "../identity";
import type { Metrics } from "../observability/metrics";
import { liveness, livenessSchema } from "./liveness";
import { type Readiness, readinessSchema } from "./readiness";

/** /health (liveness, no I/O), /ready (database and system), /metrics (Prometheus). */
export function operationsRoutes(options: { startedAt: number; readiness: Readiness; metrics: Metrics }) {
  const { startedAt, readiness, metrics } = options;
  return new Elysia({ name: "operations" })
    .get(PROBE_PATHS.health, () => liveness(startedAt), {
      detail: {
        summary: "Liveness: answers without touching the database",
        tags: ["operations"],
        parameters: requestIdParameters,
        responses: { 200: jsonResponse("Alive", livenessSchema), 500: unexpectedFailureResponse },
      },
    })
    .get(
      PROBE_PATHS.ready,
      async ({ set }) => {
        const { httpStatus, body } = await readiness.check();
        set.status = httpStatus;
        return body;
      },
      {
        detail: {
          summary: "Readiness: 503 while starting, shutting down, or when the database does not answer within 1 s",
          tags: ["operations"],
          parameters: requestIdParameters,
          responses: {
            200: jsonResponse("Ready", readinessSchema),
            500: unexpectedFailureResponse,
            503: jsonResponse("Not ready: starting, shutting down, or the database does not answer", readinessSchema),
          },
        },
      },
    )
    .get(
      PROBE_PATHS.metrics,
      async () => new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }),
      {
        detail: {
          summary: "Prometheus metrics",
          tags: ["operations"],
          parameters: requestIdParameters,
          responses: {
            200: {
              description: "The Prometheus text exposition format",
              headers: commonResponseHeaders,
              content: { "text/plain": { schema: { type: "string" } } },
            },
            500: unexpectedFailureResponse,
          },
        },
      },
    );
}
