import type { Span } from "@opentelemetry/api";

export const CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json";
const EVENT_SOURCE = "signup-service";

export interface CloudEventInput {
  id: string;
  type: string;
  subject: string;
  /** RFC 3339; for a user, its `created_at`. */
  time: string;
  data: unknown;
  traceparent?: string;
}

/**
 * A CloudEvents 1.0 structured-mode JSON document (`application/cloudevents+json`), with the
 * Distributed Tracing extension's `traceparent` when the event happened inside a trace.
 */
export function cloudEvent(input: CloudEventInput): string {
  return JSON.stringify({
    specversion: "1.0",
    id: input.id,
    source: EVENT_SOURCE,
    type: input.type,
    subject: input.subject,
    time: input.time,
    datacontenttype: "application/json",
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
    data: input.data,
  });
}

/** The W3C `traceparent` of a span, so a consumer's span joins the trace; undefined without one. */
export function traceparentOf(span: Span | undefined): string | undefined {
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}
