import { describe, expect, test } from "bun:test";
import { isDatabaseUnavailable, isUniqueViolation } from "../../src/db/errors";

const withCode = (code: string, message = "driver error") => Object.assign(new Error(message), { code });
/** How Drizzle reports a driver failure: its own error, the driver's in `cause`. */
const wrapped = (cause: unknown) => new Error("Failed query: insert into users ...", { cause });

describe("isUniqueViolation", () => {
  test("a direct 23505", () => {
    expect(isUniqueViolation(withCode("23505"))).toBe(true);
    expect(isUniqueViolation({ code: "23505" })).toBe(true);
  });

  test("23505 in the cause chain", () => {
    expect(isUniqueViolation(wrapped(withCode("23505")))).toBe(true);
    expect(isUniqueViolation(wrapped(wrapped({ code: "23505" })))).toBe(true);
  });

  test("anything else is not", () => {
    expect(isUniqueViolation(withCode("23503"))).toBe(false);
    expect(isUniqueViolation(wrapped(withCode("ECONNREFUSED")))).toBe(false);
    expect(isUniqueViolation(new Error("23505"))).toBe(false);
    expect(isUniqueViolation({ code: 23505 })).toBe(false);
    expect(isUniqueViolation("23505")).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});

describe("isDatabaseUnavailable", () => {
  test.each([
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "CONNECT_TIMEOUT",
    "CONNECTION_CLOSED",
    "EPIPE",
    "ERR_STREAM_DESTROYED",
    "57P01",
    "57P03",
    "53300",
    "08006",
    "08001",
  ])("direct %s", (code) => {
    expect(isDatabaseUnavailable(withCode(code))).toBe(true);
  });

  test("an unavailable code in the cause chain", () => {
    expect(isDatabaseUnavailable(wrapped(withCode("57P01")))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(wrapped({ code: "ECONNREFUSED" })))).toBe(true);
  });

  test("anything else is not", () => {
    expect(isDatabaseUnavailable(withCode("23505"))).toBe(false);
    expect(isDatabaseUnavailable(wrapped(withCode("42P01")))).toBe(false);
    expect(isDatabaseUnavailable(new Error("ECONNREFUSED"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(isDatabaseUnavailable("ECONNREFUSED")).toBe(false);
  });
});

test("a cause chain that loops is followed a bounded number of steps", () => {
  const looping = Object.assign(new Error("loop"), { code: "XX000" }) as Error & { cause?: unknown };
  looping.cause = looping;
  expect(isUniqueViolation(looping)).toBe(false);
  expect(isDatabaseUnavailable(looping)).toBe(false);
});
