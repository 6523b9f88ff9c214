import { type SpanContext, trace } from "@opentelemetry/api";

/** Ids a client may send us; anything else is replaced, so logs never carry injected text. */
const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;

/** A fresh trace id (16 bytes) and span id (8 bytes), in hex, from one draw of random bytes. */
function randomTraceIds() {
  const hex = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex");
  return { traceId: hex.slice(0, 32), spanId: hex.slice(32) };
}

/** What the service knows of one request: its ids and when it started. */
export class RequestContext {
  readonly startedAt = performance.now();
  private traceIds?: { traceId: string; spanId: string };

  constructor(
    readonly requestId: string,
    readonly correlationId: string,
    private readonly traceparent: string | null,
    private readonly activeSpan: SpanContext | undefined,
  ) {}

  /**
   * Trace ids for log lines: the active span's when tracing is on; else the caller's W3C
   * `traceparent` trace id (so logs still join the caller's trace), or fresh ones. Made on first
   * use: probes, which are not logged, never pay for them.
   */
  get traceId(): string {
    return this.ids().traceId;
  }

  get spanId(): string {
    return this.ids().spanId;
  }

  private ids() {
    if (!this.traceIds) {
      if (this.activeSpan) this.traceIds = { traceId: this.activeSpan.traceId, spanId: this.activeSpan.spanId };
      else {
        const fresh = randomTraceIds();
        const parent = TRACEPARENT.exec(this.traceparent ?? "");
        this.traceIds = { traceId: parent?.[1] ?? fresh.traceId, spanId: fresh.spanId };
      }
    }
    return this.traceIds;
  }
}

export function requestContextFrom(headers: Headers, tracing = false): RequestContext {
  const sentRequestId = headers.get("x-request-id");
  const requestId = sentRequestId && SAFE_ID.test(sentRequestId) ? sentRequestId : Bun.randomUUIDv7();
  const sentCorrelationId = headers.get("x-correlation-id");
  const correlationId = sentCorrelationId && SAFE_ID.test(sentCorrelationId) ? sentCorrelationId : requestId;
  const activeSpan = tracing ? trace.getActiveSpan()?.spanContext() : undefined;
  return new RequestContext(requestId, correlationId, headers.get("traceparent"), activeSpan);
}

/**
 * The context of each request in flight, kept on the Request under a symbol of this registry's
 * own, so nothing is shared between apps (a property is cheaper than a WeakMap entry here).
 */
export class RequestContexts {
  private readonly key = Symbol("request context");

  /** `tracing`: whether a span can be active at all; without it, there is nothing to look up. */
  constructor(private readonly tracing: boolean) {}

  track(request: Request): RequestContext {
    const context = requestContextFrom(request.headers, this.tracing);
    (request as unknown as Record<symbol, RequestContext>)[this.key] = context;
    return context;
  }

  of(request: Request): RequestContext {
    return (request as unknown as Record<symbol, RequestContext | undefined>)[this.key] ?? this.track(request);
  }
}
