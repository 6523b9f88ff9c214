import { type Attributes, type Span, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { Registry } from "prom-client";
import { safeError } from "../db/errors";
import { plainHistogram } from "./request-metrics";

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

/**
 * From a millisecond (a statement) to seconds (a queue of hashes under overload), 5 ms apart up to
 * 50 ms, where a hash and its wait land: the bench's breakdown reads quantiles from these.
 */
const STEP_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.06, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5,
];

/**
 * Spans that also time themselves into `request_step_duration_seconds{step}`, whether or not
 * tracing is on: the parts of a request (validation, the idempotency claim, the hash, each
 * statement) measured by the service itself, so a slow tail can be taken apart in production and
 * in the bench. Step names are the span names the code gives: a fixed set.
 */
export function timedSpans(spans: Spans, registry: Registry): Spans {
  const observe = plainHistogram(registry, {
    name: "request_step_duration_seconds",
    help: "Time spent in each named step of a request (span names: validate, idempotency.lookup, idempotency.claim, password.hash, db <statement>, ...)",
    upperBounds: STEP_BUCKETS,
    labelsOf: (step) => ({ step }),
  });
  return {
    run: async (name, attributes, work) => {
      const started = performance.now();
      try {
        return await spans.run(name, attributes, work);
      } finally {
        observe(name, (performance.now() - started) / 1000);
      }
    },
  };
}
