/** Ids a client may send us; anything else is replaced, so logs never carry injected text. */
const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export interface RequestIds {
  requestId: string;
  correlationId: string;
}

export function requestIdsFrom(headers: Headers): RequestIds {
  const sentRequestId = headers.get("x-request-id");
  const requestId = sentRequestId && SAFE_ID.test(sentRequestId) ? sentRequestId : Bun.randomUUIDv7();
  const sentCorrelationId = headers.get("x-correlation-id");
  const correlationId = sentCorrelationId && SAFE_ID.test(sentCorrelationId) ? sentCorrelationId : requestId;
  return { requestId, correlationId };
}

/** The ids of each request in flight, keyed by the Request itself so nothing is shared between apps. */
export class RequestIdRegistry {
  private readonly byRequest = new WeakMap<Request, RequestIds>();

  track(request: Request): RequestIds {
    const ids = requestIdsFrom(request.headers);
    this.byRequest.set(request, ids);
    return ids;
  }

  of(request: Request): RequestIds {
    return this.byRequest.get(request) ?? this.track(request);
  }
}
