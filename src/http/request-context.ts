import { trace } from "@opentelemetry/api";
import type { SignupStatus } from "../observability/metrics";

/** Ids a client may send us; anything else is replaced, so logs never carry injected text. */
const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;

export interface RequestContext {
  requestId: string;
  correlationId: string;
  traceId: string;
  spanId: string;
  startedAt: number;
  /** Set by the signup handler when it knows how the request ended, for `signup_requests_total`. */
  signupOutcome?: SignupStatus;
}

const randomHex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/**
 * Trace ids for the log line: the active span's when tracing is on; else the caller's W3C
 * `traceparent` trace id (so logs still join the caller's trace), or fresh ones.
 */
function traceIdsFor(headers: Headers): { traceId: string; spanId: string } {
  const active = trace.getActiveSpan()?.spanContext();
  if (active) return { traceId: active.traceId, spanId: active.spanId };
  const parent = TRACEPARENT.exec(headers.get("traceparent") ?? "");
  return { traceId: parent?.[1] ?? randomHex(16), spanId: randomHex(8) };
}

export function requestContextFrom(headers: Headers): RequestContext {
  const sentRequestId = headers.get("x-request-id");
  const requestId = sentRequestId && SAFE_ID.test(sentRequestId) ? sentRequestId : Bun.randomUUIDv7();
  const sentCorrelationId = headers.get("x-correlation-id");
  const correlationId = sentCorrelationId && SAFE_ID.test(sentCorrelationId) ? sentCorrelationId : requestId;
  return { requestId, correlationId, ...traceIdsFor(headers), startedAt: performance.now() };
}

/** The context of each request in flight, keyed by the Request itself so nothing is shared between apps. */
export class RequestContexts {
  private readonly byRequest = new WeakMap<Request, RequestContext>();

  track(request: Request): RequestContext {
    const context = requestContextFrom(request.headers);
    this.byRequest.set(request, context);
    return context;
  }

  of(request: Request): RequestContext {
    return this.byRequest.get(request) ?? this.track(request);
  }
}
