import { expect, test } from "bun:test";
import { ProblemError } from "../../src/http/problem";
import { parseIdempotencyKey } from "../../src/idempotency/key";

function rejection(header: string): ProblemError {
  try {
    parseIdempotencyKey(header);
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(header)}`);
}

test("an absent header is no key", () => {
  expect(parseIdempotencyKey(null)).toBeUndefined();
});

test("a bare key is returned as sent", () => {
  expect(parseIdempotencyKey("8e03978e-40d5-43e8-bc93-6894a57f9324")).toBe("8e03978e-40d5-43e8-bc93-6894a57f9324");
  expect(parseIdempotencyKey("a")).toBe("a");
});

test("the quoted form spells the same key as the bare one", () => {
  const key = "order-42:retry/1";
  expect(parseIdempotencyKey(`"${key}"`)).toBe(key);
  expect(parseIdempotencyKey(key)).toBe(key);
});

test("255 characters is the limit, quoted or not", () => {
  const at255 = "k".repeat(255);
  expect(parseIdempotencyKey(at255)).toBe(at255);
  expect(parseIdempotencyKey(`"${at255}"`)).toBe(at255);
  expect(rejection(`${at255}k`).status).toBe(400);
  expect(rejection(`"${at255}k"`).status).toBe(400);
});

test.each([
  ["empty", ""],
  ["a space", " "],
  ["an inner space", "abc def"],
  ["a tab", "abc\tdef"],
  ["a newline", "abc\ndef"],
  ["a NUL", "abc\u0000def"],
  ["DEL", "abc\u007f"],
  ["non-ASCII", "clé"],
  ["an emoji", "key-🔑"],
  ["a lone quote", '"'],
  ["an empty quoted string", '""'],
  ["a quoted space", '" "'],
  ["a quote inside quotes", '"ab"cd"'],
  ["an unclosed quote", '"abc'],
  ["an unopened quote", 'abc"'],
  ["a quote inside a bare key", 'ab"cd'],
])("%s is a 400 problem", (_what, header) => {
  const error = rejection(header);
  expect(error.status).toBe(400);
  expect(error.slug).toBe("invalid-idempotency-key");
});
