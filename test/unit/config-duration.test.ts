import { expect, test } from "bun:test";
import { parseDuration } from "../../src/config-duration";

test.each([
  ["250ms", 250],
  ["0ms", 0],
  ["30s", 30_000],
  ["5m", 300_000],
  ["24h", 86_400_000],
  ["2d", 172_800_000],
  ["1.5s", 1_500],
  ["0.5h", 1_800_000],
])("%p -> %p ms", (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test("a bare number is seconds", () => {
  expect(parseDuration("45")).toBe(45_000);
  expect(parseDuration("0.25")).toBe(250);
});

test("surrounding whitespace is ignored", () => {
  expect(parseDuration(" 10s ")).toBe(10_000);
});

test("fractions of a millisecond round to whole milliseconds", () => {
  expect(parseDuration("1.6ms")).toBe(2);
  expect(Number.isInteger(parseDuration("0.0001s"))).toBe(true);
});

test.each(["", "forever", "-5s", "1e3", "10x", "s", "10 s", "1.s", ".5s", "5sec"])("%p is not a duration", (text) => {
  expect(() => parseDuration(text)).toThrow("not a duration");
});
