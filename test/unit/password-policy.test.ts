import { expect, test } from "bun:test";
import { MAX_PASSWORD_LENGTH, passwordPolicyViolations } from "../../src/users/password-policy";

const AT_LEAST_8 = "must be at least 8 characters";
const UPPER = "must contain an upper-case letter";
const LOWER = "must contain a lower-case letter";
const DIGIT = "must contain a digit";

test("a password meeting every rule has no violations", () => {
  expect(passwordPolicyViolations("S3guro!123", 8)).toEqual([]);
  expect(passwordPolicyViolations("Abcdefg1", 8)).toEqual([]);
});

test("too short", () => {
  expect(passwordPolicyViolations("Abc1", 8)).toEqual([AT_LEAST_8]);
});

test("the minimum length is the parameter", () => {
  expect(passwordPolicyViolations("Abcdefghij1", 12)).toEqual(["must be at least 12 characters"]);
  expect(passwordPolicyViolations("Abcdefghijk1", 12)).toEqual([]);
});

test("128 characters is the maximum", () => {
  expect(MAX_PASSWORD_LENGTH).toBe(128);
  const at128 = `Aa1${"x".repeat(125)}`;
  expect(at128).toHaveLength(128);
  expect(passwordPolicyViolations(at128, 8)).toEqual([]);
  expect(passwordPolicyViolations(`${at128}x`, 8)).toEqual(["must be at most 128 characters"]);
});

test("each character class is required", () => {
  expect(passwordPolicyViolations("s3guro!123", 8)).toEqual([UPPER]);
  expect(passwordPolicyViolations("S3GURO!123", 8)).toEqual([LOWER]);
  expect(passwordPolicyViolations("Seguro!abc", 8)).toEqual([DIGIT]);
});

test("every failing rule is reported", () => {
  expect(passwordPolicyViolations("", 8)).toEqual([AT_LEAST_8, UPPER, LOWER, DIGIT]);
  expect(passwordPolicyViolations("!!!!!!!!!!", 8)).toEqual([UPPER, LOWER, DIGIT]);
});

test("reasons never echo the password", () => {
  const password = "secretpw";
  for (const reason of passwordPolicyViolations(password, 12)) expect(reason).not.toContain(password);
});
