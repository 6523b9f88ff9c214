import { expect, test } from "bun:test";
import { requestContextFrom } from "../../src/http/request-context";
import { createAccessLog } from "../../src/observability/access-log";

const collector = () => {
  const chunks: string[] = [];
  return { chunks, write: (chunk: string) => chunks.push(chunk), flush: () => undefined };
};

test("one NDJSON line per request, in pino's shape, with every field", async () => {
  const output = collector();
  const { accessLog, close } = createAccessLog("info", output);
  const context = requestContextFrom(new Headers({ "x-request-id": "req-1", "x-correlation-id": "flow-9" }));
  accessLog.write("GET", "/users/:id", 404, 1.25, context);
  accessLog.write('OD"D', "unmatched", 404, 0.5, context);
  await close();
  expect(output.chunks).toHaveLength(2);
  expect(output.chunks.every((chunk) => chunk.endsWith("\n"))).toBe(true);
  const [first, odd] = output.chunks.map((chunk) => JSON.parse(chunk));
  expect(first).toMatchObject({
    level: "info",
    service: "signup-service",
    method: "GET",
    route: "/users/:id",
    status: 404,
    duration_ms: 1.25,
    request_id: "req-1",
    correlation_id: "flow-9",
    msg: "request",
  });
  expect(first.trace_id).toMatch(/^[0-9a-f]{32}$/);
  expect(first.span_id).toMatch(/^[0-9a-f]{16}$/);
  expect(Number.isNaN(Date.parse(first.time))).toBe(false);
  expect(odd.method).toBe('OD"D');
});

test("nothing is written above the info level", async () => {
  const output = collector();
  const { accessLog, close } = createAccessLog("warn", output);
  accessLog.write("GET", "/health", 200, 0.1, requestContextFrom(new Headers()));
  await close();
  expect(output.chunks).toEqual([]);
});
