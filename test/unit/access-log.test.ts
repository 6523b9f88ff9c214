import { expect, test } from "bun:test";
import { requestContextFrom } from "../../src/http/request-context";
import { createAccessLog } from "../../src/observability/access-log";

const collector = () => {
  const lines: string[] = [];
  return { lines, gather: (text: string) => lines.push(text) };
};

test("one NDJSON line per request, in pino's shape, with every field", () => {
  const output = collector();
  const accessLog = createAccessLog("info", output);
  const context = requestContextFrom(new Headers({ "x-request-id": "req-1", "x-correlation-id": "flow-9" }));
  accessLog.write("GET", "/users/:id", 404, 1.25, context);
  accessLog.write('OD"D', "unmatched", 404, 0.5, context);
  expect(output.lines).toHaveLength(2);
  expect(output.lines.every((line) => line.endsWith("\n") && line.indexOf("\n") === line.length - 1)).toBe(true);
  const [first, odd] = output.lines.map((line) => JSON.parse(line));
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

test("nothing is written above the info level", () => {
  const output = collector();
  createAccessLog("warn", output).write("GET", "/health", 200, 0.1, requestContextFrom(new Headers()));
  expect(output.lines).toEqual([]);
});
