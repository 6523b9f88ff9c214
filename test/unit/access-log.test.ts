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
  const lines = output.chunks.join("").split("\n");
  expect(lines.pop()).toBe("");
  expect(lines).toHaveLength(2);
  const [first, odd] = lines.map((line) => JSON.parse(line));
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

test("lines reach the writer in batches of about 64 KiB, whole, and every one by close", async () => {
  const output = collector();
  const { accessLog, close } = createAccessLog("info", output);
  const context = requestContextFrom(new Headers({ "x-request-id": "req-batch" }));
  const requests = 1000;
  for (let i = 0; i < requests; i++) accessLog.write("GET", "/users/:id", 200, i, context);
  // Bun makes one write(2) per chunk handed over: a chunk per line would be one per request.
  const batches = output.chunks.length;
  expect(batches).toBeGreaterThan(0);
  expect(batches).toBeLessThan(requests / 100);
  expect(output.chunks.every((chunk) => chunk.length >= 64 * 1024 && chunk.endsWith("\n"))).toBe(true);
  await close();
  expect(output.chunks.length).toBe(batches + 1);
  const lines = output.chunks.join("").trimEnd().split("\n");
  expect(lines.map((line) => JSON.parse(line).duration_ms)).toEqual(Array.from({ length: requests }, (_, i) => i));
});
