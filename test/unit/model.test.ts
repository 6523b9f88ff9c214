import { expect, test } from "bun:test";
import { normalizeEmail } from "../../src/users/model";

test("lower-cases the whole address", () => {
  expect(normalizeEmail("Ana.Gomez@Example.COM")).toBe("ana.gomez@example.com");
});

test("trims surrounding whitespace", () => {
  expect(normalizeEmail("  ana@example.com\t\n")).toBe("ana@example.com");
});

test("differently-cased spellings of one address normalise to the same value", () => {
  expect(normalizeEmail(" ANA@example.com")).toBe(normalizeEmail("ana@EXAMPLE.com "));
});

test("is idempotent and keeps the inner text", () => {
  const once = normalizeEmail(" A+tag@Sub.Example.org ");
  expect(once).toBe("a+tag@sub.example.org");
  expect(normalizeEmail(once)).toBe(once);
});
