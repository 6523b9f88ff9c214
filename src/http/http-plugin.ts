import { Elysia } from "elysia";
import type { Logger } from "pino";
import { fieldErrors, serverFailureProblem } from "./error-mapping";
import { ProblemError, problemResponse } from "./problem";
import type { RequestIdRegistry } from "./request-context";

export interface HttpPluginOptions {
  logger: Logger;
  requestIds: RequestIdRegistry;
  passwordMinLength: number;
}

/**
 * Request ids on every response, and every error as application/problem+json: unknown
 * routes, parse and validation failures, and anything thrown.
 */
export function httpPlugin({ logger, requestIds, passwordMinLength }: HttpPluginOptions) {
  return new Elysia({ name: "http" })
    .onRequest(({ request, set }) => {
      const ids = requestIds.track(request);
      set.headers["x-request-id"] = ids.requestId;
      set.headers["x-correlation-id"] = ids.correlationId;
    })
    .onError({ as: "global" }, ({ code, error, request, set }) => {
      const { requestId } = requestIds.of(request);
      const instance = new URL(request.url).pathname;
      let problem: ProblemError;
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
          problem = new ProblemError(422, "validation", "Validation Failed", `The request ${error.type} is invalid`, {}, {
            errors: fieldErrors(error, passwordMinLength),
          });
          break;
        default:
          if (error instanceof ProblemError) {
            problem = error;
          } else {
            problem = serverFailureProblem(error);
            logger.error({ err: error, request_id: requestId }, "request failed");
          }
      }
      const headers: Record<string, string> = { ...problem.headers };
      for (const [name, value] of Object.entries(set.headers)) if (typeof value === "string") headers[name] = value;
      return problemResponse(problem.toProblem(instance, requestId), headers);
    });
}
