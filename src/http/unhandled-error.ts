import { safeError } from "../db/errors";
import type { Logger } from "../observability/logger";
import { problemResponse, problemType } from "./problem";

/**
 * Bun.serve's `error` handler: the last resort for an error that escaped the app's own error
 * hook. Without it Bun answers a text or HTML page and logs the source around the throw; with
 * it the client still gets a problem with ids, and the log one safe JSON line.
 */
export function unhandledErrorHandler(logger: Logger) {
  return (error: unknown): Response => {
    const requestId = Bun.randomUUIDv7();
    logger.error({ error: safeError(error), request_id: requestId }, "request failed outside the app");
    return problemResponse(
      {
        type: problemType("internal"),
        title: "Internal Server Error",
        status: 500,
        detail: "An unexpected error occurred",
        request_id: requestId,
      },
      { "x-request-id": requestId, "x-correlation-id": requestId, "x-content-type-options": "nosniff" },
    );
  };
}
