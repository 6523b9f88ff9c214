import { type Attributes, type Span, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { safeError } from "../db/errors";

/** Runs work inside a named child span, or just runs it when tracing is off (no cost on the hot path). */
export interface Spans {
  run<T>(name: string, attributes: Attributes, work: (span?: Span) => Promise<T>): Promise<T>;
}

export const withoutSpans: Spans = { run: (_name, _attributes, work) => work() };

export function tracerSpans(tracer: Tracer): Spans {
  return {
    run: (name, attributes, work) =>
      tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await work(span);
        } catch (error) {
          const safe = safeError(error);
          span.recordException({ name: safe.type, message: safe.message });
          span.setStatus({ code: SpanStatusCode.ERROR, message: safe.message });
          throw error;
        } finally {
          span.end();
        }
      }),
  };
}
