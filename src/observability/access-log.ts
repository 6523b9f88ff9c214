import type { RequestContext } from "../http/request-context";
import { SERVICE_NAME } from "../identity";
import { LOG_LEVELS, type LogLevel } from "./log-levels";
import type { Stdout } from "./stdout";

export interface AccessLog {
  write(method: string, route: string, status: number, durationMs: number, context: RequestContext): void;
}

/** An access log that writes nothing: for an app built without a process around it (tests, the OpenAPI export). */
export const noAccessLog: AccessLog = { write() {} };

/**
 * The access log: one NDJSON line per request, in the same shape as pino's lines, the hottest
 * logging there is. Built here rather than by pino because every field is the service's own and
 * JSON-safe (ids are sanitised to a quote-free alphabet, trace ids are hex), which makes a line
 * 0.4 us against pino's 1.4 us (and 6 us with pino's redaction): the difference measured at a few
 * percent of GET throughput. Lines are gathered into stdout's batches (observability/stdout.ts).
 */
export function createAccessLog(level: string, stdout: Pick<Stdout, "gather">): AccessLog {
  const enabled = LOG_LEVELS.indexOf(level as LogLevel) <= LOG_LEVELS.indexOf("info");
  // Many requests end in the same millisecond: format its timestamp once.
  let stampedAt = 0;
  let stamp = "";
  const now = () => {
    const ms = Date.now();
    if (ms !== stampedAt) {
      stampedAt = ms;
      stamp = new Date(ms).toISOString();
    }
    return stamp;
  };
  return {
    write(method, route, status, durationMs, context) {
      if (!enabled) return;
      stdout.gather(
        `{"level":"info","time":"${now()}","service":"${SERVICE_NAME}","method":${JSON.stringify(method)},` +
          `"route":${JSON.stringify(route)},"status":${status},"duration_ms":${durationMs},` +
          `"request_id":"${context.requestId}","correlation_id":"${context.correlationId}",` +
          `"trace_id":"${context.traceId}","span_id":"${context.spanId}","msg":"request"}\n`,
      );
    },
  };
}
