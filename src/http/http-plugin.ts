import { Elysia } from "elysia";
import { safeError } from "../db/errors";
import { PROBE_PATHS } from "../identity";
import type { AccessLog } from "../observability/access-log";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import { fieldErrors, serverFailureProblem } from "./error-mapping";
import { ProblemError, problemResponse } from "./problem";
import type { RequestContexts } from "./request-context";

export interface HttpPluginOptions {
  logger: Logger;
  accessLog: AccessLog;
  metrics: Metrics;
  contexts: RequestContexts;
  /** Log /health, /ready and /metrics too; off by default so probes do not drown the access log. */
  logProbes: boolean;
}

const PROBES = new Set<string>(Object.values(PROBE_PATHS));

/**
 * The path of a request's target. Bun hands over a CONNECT's authority-form target
 * (`127.0.0.1:5432`) as the URL, which is not one: undefined then, and the request gets a 400.
 */
function targetPath(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

/**
 * Cross-cutting HTTP concerns: request ids and trace ids on every response, every error as
 * application/problem+json, and one access-log line plus metrics per request, as it is answered.
 */
export function httpPlugin({ logger, accessLog, metrics, contexts, logProbes }: HttpPluginOptions) {
  /** Metrics and the access line for one answered request. */
  function record(request: Request, route: string | undefined, status: number) {
    const requestContext = contexts.of(request);
    const seconds = (performance.now() - requestContext.startedAt) / 1000;
    const template = route || "unmatched";
    metrics.observeRequest(request.method, template, status, seconds);
    if (!logProbes && PROBES.has(template)) return;
    accessLog.write(request.method, template, status, Math.round(seconds * 100_000) / 100, requestContext);
  }

  return (
    new Elysia({ name: "http" })
      // In the transform hook, not onRequest: a global request hook makes Elysia read the request's
      // URL twice and index its query on every route (2-3 us of a 33-35 us /health; ARCHITECTURE.md, "The hot path, measured").
      // A body's parser runs before this hook: a route that parses one starts the context itself
      // (users/routes.ts), so its duration includes reading the body.
      .onTransform({ as: "global" }, ({ request, set }) => {
        const context = contexts.of(request);
        set.headers["x-request-id"] = context.requestId;
        set.headers["x-correlation-id"] = context.correlationId;
        set.headers["x-content-type-options"] = "nosniff";
      })
      .onError({ as: "global" }, ({ code, error, request, route, set }) => {
        const { requestId, correlationId, traceId } = contexts.of(request);
        const path = targetPath(request.url);
        const instance = path ?? request.url;
        let problem: ProblemError;
        if (path === undefined) {
          problem = new ProblemError(400, "bad-request-target", "Bad Request Target", `${request.method} ${instance} is not served here`);
        } else
          switch (code) {
            case "NOT_FOUND":
              problem = new ProblemError(404, "not-found", "Not Found", `No route for ${request.method} ${instance}`);
              break;
            case "PARSE":
              // Elysia wraps whatever a body parser throws; ours throws the precise problem.
              problem =
                error.cause instanceof ProblemError
                  ? error.cause
                  : new ProblemError(400, "malformed-body", "Malformed Body", "The request body could not be parsed");
              break;
            case "VALIDATION":
              problem = new ProblemError(
                422,
                "validation",
                "Validation Failed",
                `The request ${error.type} is invalid`,
                {},
                {
                  errors: fieldErrors(error),
                },
              );
              break;
            default:
              if (error instanceof ProblemError) {
                problem = error;
              } else {
                problem = serverFailureProblem(error);
                logger.error(
                  { error: safeError(error), request_id: requestId, correlation_id: correlationId, trace_id: traceId },
                  "request failed",
                );
              }
          }
        const headers: Record<string, string> = { ...problem.headers };
        for (const [name, value] of Object.entries(set.headers)) if (typeof value === "string") headers[name] = value;
        // Set here too: an error before the transform hook ran (no route, a refused body) still carries them.
        headers["x-request-id"] = requestId;
        headers["x-correlation-id"] = correlationId;
        headers["x-content-type-options"] = "nosniff";
        // The tracing plugin reads the status from here.
        set.status = problem.status;
        record(request, route, problem.status);
        return problemResponse(problem.toProblem(instance, requestId), headers);
      })
      // Recorded as the answer is handed back, not in onAfterResponse: that hook costs a scheduled
      // task per request, measured at a tenth of a GET's throughput. The duration so excludes
      // writing the response to the socket.
      .onAfterHandle({ as: "global" }, ({ request, route, set, responseValue }) => {
        const status = responseValue instanceof Response ? responseValue.status : typeof set.status === "number" ? set.status : 200;
        record(request, route, status);
      })
  );
}
