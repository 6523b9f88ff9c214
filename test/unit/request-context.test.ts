import { describe, expect, test } from "bun:test";
import { RequestContexts, requestContextFrom } from "../../src/http/request-context";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Header values as a raw source could hand them over. `Headers` itself refuses a newline,
 * so this stands in for it where the test needs one.
 */
function rawHeaders(values: Record<string, string>): Headers {
  return { get: (name: string) => values[name.toLowerCase()] ?? null } as unknown as Headers;
}

describe("requestContextFrom", () => {
  test("takes the trace id from a W3C traceparent, else makes one; span ids are fresh", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const fromParent = requestContextFrom(new Headers({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` }));
    expect(fromParent.traceId).toBe(traceId);
    expect(fromParent.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(fromParent.spanId).not.toBe("00f067aa0ba902b7");
    const fresh = requestContextFrom(new Headers({ traceparent: "garbage" }));
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.traceId).not.toBe(traceId);
  });

  test.each(["abc-123", "req_1.2", "trace:1/2+3=4@host", "x".repeat(128)])("keeps a safe sent id %p", (id) => {
    expect(requestContextFrom(new Headers({ "x-request-id": id })).requestId).toBe(id);
  });

  test.each([
    ["spaces", "has a space"],
    ["over 128 characters", "x".repeat(129)],
    ["markup", "<script>alert(1)</script>"],
    ["a quote", 'id"x'],
    ["a tab", "a\tb"],
    ["non-ASCII", "réq"],
  ])("replaces an id with %s by a UUIDv7", (_what, id) => {
    const { requestId } = requestContextFrom(new Headers({ "x-request-id": id }));
    expect(requestId).toMatch(UUID_V7);
    expect(requestId).not.toContain(id);
  });

  test.each(["abc\ndef", "abc\r\nx-injected: 1"])("replaces an id with a line break (%p)", (id) => {
    expect(requestContextFrom(rawHeaders({ "x-request-id": id })).requestId).toMatch(UUID_V7);
  });

  test("generates a UUIDv7 when none or an empty one is sent, fresh each time", () => {
    const first = requestContextFrom(new Headers()).requestId;
    const second = requestContextFrom(new Headers({ "x-request-id": "" })).requestId;
    expect(first).toMatch(UUID_V7);
    expect(second).toMatch(UUID_V7);
    expect(first).not.toBe(second);
  });

  test("the correlation id defaults to the request id", () => {
    const sent = requestContextFrom(new Headers({ "x-request-id": "req-1" }));
    expect(sent).toMatchObject({ requestId: "req-1", correlationId: "req-1" });
    const generated = requestContextFrom(new Headers());
    expect(generated.correlationId).toBe(generated.requestId);
  });

  test("a safe sent correlation id is kept", () => {
    const ids = requestContextFrom(new Headers({ "x-request-id": "req-1", "x-correlation-id": "flow-9" }));
    expect(ids).toMatchObject({ requestId: "req-1", correlationId: "flow-9" });
    expect(requestContextFrom(new Headers({ "x-correlation-id": "flow-9" })).correlationId).toBe("flow-9");
  });

  test("an unsafe correlation id falls back to the request id", () => {
    const ids = requestContextFrom(new Headers({ "x-request-id": "req-1", "x-correlation-id": "<b>bad</b>" }));
    expect(ids.correlationId).toBe("req-1");
  });
});

describe("RequestContexts", () => {
  const request = (headers: Record<string, string> = {}) => new Request("http://localhost/signup", { headers });

  test("track reads the request's headers and of() returns the same ids", () => {
    const registry = new RequestContexts(false);
    const req = request({ "x-request-id": "req-7" });
    const ids = registry.track(req);
    expect(ids.requestId).toBe("req-7");
    expect(registry.of(req)).toBe(ids);
  });

  test("of() on an untracked request tracks it once, so generated ids stay stable", () => {
    const registry = new RequestContexts(false);
    const req = request();
    const ids = registry.of(req);
    expect(ids.requestId).toMatch(UUID_V7);
    expect(registry.of(req)).toEqual(ids);
  });

  test("each request has its own ids, and registries share nothing", () => {
    const registry = new RequestContexts(false);
    const a = request();
    const b = request();
    expect(registry.of(a).requestId).not.toBe(registry.of(b).requestId);
    expect(new RequestContexts(false).of(a).requestId).not.toBe(registry.of(a).requestId);
  });
});
