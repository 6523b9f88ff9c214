import { expect, test } from "bun:test";
import pino from "pino";
import { unhandledErrorHandler } from "../../src/http/unhandled-error";

test("an error that escaped the app is a 500 problem with ids, logged as one JSON line without its stack", async () => {
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
  const error = new Error("boom at secret place");
  const response = unhandledErrorHandler(logger)(error);
  expect(response.status).toBe(500);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toBeTruthy();
  const body = await response.text();
  expect(JSON.parse(body)).toMatchObject({ status: 500, request_id: requestId });
  expect(body).not.toContain("boom");
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]!);
  expect(line).toMatchObject({ level: 50, request_id: requestId });
  expect(line.error.stack).toBeUndefined();
  expect(lines[0]).not.toContain("unhandled-error.test.ts");
});
