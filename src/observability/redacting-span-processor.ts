import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** Request headers worth keeping on a span; every other header (authorization, cookie, keys) is dropped. */
const KEPT_HEADERS = new Set(["content-type", "content-length", "user-agent", "x-request-id", "x-correlation-id"]);

/**
 * @elysiajs/opentelemetry records the request body (with the password), the response body (with
 * the email), every request header and error stacks as span attributes. This processor removes
 * them before any exporter sees the span.
 */
function isAllowedAttribute(name: string): boolean {
  if (name.startsWith("http.request.header.")) return KEPT_HEADERS.has(name.slice("http.request.header.".length));
  return !(
    name === "http.request.body" ||
    name === "http.response.body" ||
    name === "http.request.cookie" ||
    name === "error.stack" ||
    name.startsWith("http.response.header.set-cookie")
  );
}

export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const name of Object.keys(attributes)) if (!isAllowedAttribute(name)) delete attributes[name];
    for (const event of span.events) {
      const eventAttributes = event.attributes as Record<string, unknown> | undefined;
      if (eventAttributes) delete eventAttributes["exception.stacktrace"];
    }
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
