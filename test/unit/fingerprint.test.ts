import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { canonicalJson, createFingerprinter } from "../../src/idempotency/fingerprint";

const SECRET = "fingerprint-secret-0123456789";
const OTHER_SECRET = "another-secret-9876543210abc";
const body = { name: "Ana", email: "ana@example.com", password: "S3guro!123", display_name: "Ana G" };
const reordered = { display_name: "Ana G", password: "S3guro!123", email: "ana@example.com", name: "Ana" };

describe("canonicalJson", () => {
  test("sorts object keys", () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(canonicalJson(body)).toBe(canonicalJson(reordered));
  });

  test("sorts nested objects, including inside arrays", () => {
    expect(canonicalJson({ z: { y: 1, x: { w: true, v: null } }, a: [{ d: 1, c: 2 }] })).toBe(
      '{"a":[{"c":2,"d":1}],"z":{"x":{"v":null,"w":true},"y":1}}',
    );
  });

  test("arrays keep their order", () => {
    expect(canonicalJson([3, 1, 2])).toBe("[3,1,2]");
    expect(canonicalJson({ list: ["b", "a"] })).not.toBe(canonicalJson({ list: ["a", "b"] }));
  });

  test("is valid JSON that parses back to the same value", () => {
    const value = { s: 'quote " and \\ and \n', n: -1.5, t: true, f: false, z: null, nested: { k: ["x"] } };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  test("primitives are plain JSON", () => {
    expect(canonicalJson("a")).toBe('"a"');
    expect(canonicalJson(7)).toBe("7");
    expect(canonicalJson(null)).toBe("null");
  });
});

describe("createFingerprinter", () => {
  const fingerprinter = createFingerprinter({ current: { secret: SECRET, version: 1 } });

  test("the same body in any key order gives the same fingerprint", () => {
    expect(fingerprinter.of(reordered)).toEqual(fingerprinter.of(body));
  });

  test("changing only the password changes it", () => {
    expect(fingerprinter.of({ ...body, password: "S3guro!124" }).value).not.toBe(fingerprinter.of(body).value);
  });

  test("a different secret gives a different value", () => {
    const other = createFingerprinter({ current: { secret: OTHER_SECRET, version: 1 } });
    expect(other.of(body).value).not.toBe(fingerprinter.of(body).value);
  });

  test("carries the current secret version", () => {
    expect(createFingerprinter({ current: { secret: SECRET, version: 3 } }).of(body).secretVersion).toBe(3);
  });

  test("is 64 hex characters, keyed, and never holds the body", () => {
    const { value } = fingerprinter.of(body);
    expect(value).toMatch(/^[0-9a-f]{64}$/);
    expect(value).not.toBe(createHash("sha256").update(canonicalJson(body)).digest("hex"));
    expect(value).not.toBe(createHash("sha256").update(JSON.stringify(body)).digest("hex"));
    expect(JSON.stringify(fingerprinter.of(body))).not.toContain(body.password);
  });

  describe("matches", () => {
    test("same version: compares values", () => {
      const stored = fingerprinter.of(body);
      expect(fingerprinter.matches(stored, reordered, fingerprinter.of(reordered))).toBe(true);
      const changed = { ...body, password: "Other!999x" };
      expect(fingerprinter.matches(stored, changed, fingerprinter.of(changed))).toBe(false);
    });

    test("previous secret version: recomputed under the previous secret", () => {
      const old = createFingerprinter({ current: { secret: OTHER_SECRET, version: 1 } });
      const rotated = createFingerprinter({
        current: { secret: SECRET, version: 2 },
        previous: { secret: OTHER_SECRET, version: 1 },
      });
      const stored = old.of(body);
      expect(rotated.matches(stored, reordered, rotated.of(reordered))).toBe(true);
      const changed = { ...body, email: "other@example.com" };
      expect(rotated.matches(stored, changed, rotated.of(changed))).toBe(false);
    });

    test("a version neither current nor previous never matches", () => {
      const rotated = createFingerprinter({
        current: { secret: SECRET, version: 2 },
        previous: { secret: OTHER_SECRET, version: 1 },
      });
      const current = rotated.of(body);
      expect(rotated.matches({ value: current.value, secretVersion: 9 }, body, current)).toBe(false);
      const unrotated = createFingerprinter({ current: { secret: SECRET, version: 2 } });
      const storedV1 = createFingerprinter({ current: { secret: SECRET, version: 1 } }).of(body);
      expect(unrotated.matches(storedV1, body, unrotated.of(body))).toBe(false);
    });
  });
});
