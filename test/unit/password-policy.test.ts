import { describe, expect, test } from "bun:test";
import { fingerprintInstalledList } from "../../scripts/installed-password-list";
import { commonPasswords } from "../../src/users/common-passwords";
import { FingerprintList } from "../../src/users/password-list";
import { characterCount, normalizePassword } from "../../src/users/password-normalization";
import {
  BCRYPT_MAX_BYTES,
  blocklistCandidates,
  createPasswordPolicy,
  MAX_PASSWORD_LENGTH,
  type PasswordPolicyOptions,
} from "../../src/users/password-policy";

const seedRule = createPasswordPolicy({ minLength: 8, composition: true });
const rules = (check: ReturnType<typeof createPasswordPolicy>, password: string, ...context: Parameters<typeof check>[1][]) =>
  check(normalizePassword(password), context[0]).map((violation) => violation.rule);
const policy = (options: Partial<PasswordPolicyOptions> = {}) =>
  createPasswordPolicy({ minLength: 8, composition: true, blocklist: commonPasswords(), ...options });

describe("the seed's rule", () => {
  test("a password meeting every rule has no violations", () => {
    expect(seedRule("Velero-Azul-27")).toEqual([]);
    expect(seedRule("Abcdefg1")).toEqual([]);
  });

  test("each refusal names its rule and keeps the seed's message", () => {
    expect(seedRule("Abc1")).toEqual([{ rule: "min_length", message: "must be at least 8 characters" }]);
    expect(seedRule("s3guro!123")).toEqual([{ rule: "uppercase", message: "must contain an upper-case letter" }]);
    expect(seedRule("S3GURO!123")).toEqual([{ rule: "lowercase", message: "must contain a lower-case letter" }]);
    expect(seedRule("Seguro!abc")).toEqual([{ rule: "digit", message: "must contain a digit" }]);
    expect(rules(seedRule, "")).toEqual(["min_length", "uppercase", "lowercase", "digit"]);
  });

  test("the minimum length is the parameter", () => {
    const twelve = createPasswordPolicy({ minLength: 12, composition: true });
    expect(twelve("Abcdefghij1")).toEqual([{ rule: "min_length", message: "must be at least 12 characters" }]);
    expect(twelve("Abcdefghijk1")).toEqual([]);
  });

  test("128 characters is the maximum", () => {
    expect(MAX_PASSWORD_LENGTH).toBe(128);
    const at128 = `Aa1${"x".repeat(125)}`;
    expect(seedRule(at128)).toEqual([]);
    expect(rules(seedRule, `${at128}x`)).toEqual(["max_length"]);
  });
});

describe("Unicode, per NIST SP 800-63B", () => {
  test("length counts characters (code points), not UTF-16 units", () => {
    const sevenCharacters = "😀😀😀😀Aa1";
    expect(sevenCharacters.length).toBe(11);
    expect(characterCount(sevenCharacters)).toBe(7);
    expect(rules(seedRule, sevenCharacters)).toEqual(["min_length"]);
    expect(rules(seedRule, "😀😀😀😀😀Aa1")).toEqual([]);
    const astral128 = `Aa1${"😀".repeat(125)}`;
    expect(astral128.length).toBe(253);
    expect(rules(seedRule, astral128)).toEqual([]);
  });

  test("Cyrillic and Greek letters satisfy the composition rule", () => {
    expect(rules(policy(), "Пароль-Секрет-2024")).toEqual([]);
    expect(rules(policy(), "Κωδικός-Ασφαλής-42")).toEqual([]);
    expect(rules(policy(), "пароль-секрет-2024")).toEqual(["uppercase"]);
    // Digits of other scripts are digits (\p{Nd}): Arabic-Indic ٤٢ is 42.
    expect(rules(seedRule, "Пароль-Секрет-٤٢")).toEqual([]);
  });

  test("NFC and NFD spellings normalize to one password", () => {
    const composed = "Café-Ñandú-2024".normalize("NFC");
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    expect(normalizePassword(decomposed)).toBe(normalizePassword(composed));
    expect(characterCount(normalizePassword(decomposed))).toBe(15);
  });

  test("full-width forms (an input method's) normalize to their plain letters (NFKC)", () => {
    expect(normalizePassword("Ｖｅｌｅｒｏ-Ａｚｕｌ-２７")).toBe("Velero-Azul-27");
    expect(rules(policy(), "Ｐａｓｓｗｏｒｄ１")).toEqual(["common"]);
  });

  test("NIST mode drops the composition rule", () => {
    const nist = policy({ composition: false, minLength: 15 });
    expect(rules(nist, "velero azul marea lenta")).toEqual([]);
    expect(rules(nist, "密码是一只蓝色的帆船在海上")).toEqual(["min_length"]);
    expect(rules(nist, "密码是一只蓝色的帆船在海上慢慢地航行")).toEqual([]);
    expect(rules(nist, "passwordpassword")).toEqual(["common"]);
  });
});

describe("the blocklist", () => {
  test("holds at least 100,000 entries", () => {
    expect(commonPasswords().size).toBeGreaterThanOrEqual(100_000);
  });

  test("the fingerprint list answers membership exactly, duplicates counted once", () => {
    const entries = Array.from({ length: 5_000 }, (_, i) => `entry-${i}`);
    const list = FingerprintList.of([...entries, "entry-1", "пароль"]);
    expect(list.size).toBe(5_001);
    for (const entry of [...entries, "пароль"]) expect(list.has(entry)).toBe(true);
    for (let i = 5_000; i < 10_000; i++) expect(list.has(`entry-${i}`)).toBe(false);
    expect(FingerprintList.of([]).has("anything")).toBe(false);
  });

  test("a fingerprint list read back from its bytes answers as the one that wrote them", () => {
    const written = FingerprintList.of(["velero-azul", "marea-lenta"]);
    const read = FingerprintList.fromBytes(new Uint8Array(written.bytes));
    expect(read.size).toBe(2);
    expect(read.has("velero-azul")).toBe(true);
    expect(read.has("velero-rojo")).toBe(false);
    expect(() => FingerprintList.fromBytes(written.bytes.subarray(0, 12))).toThrow("truncated");
    const offByThree = new Uint8Array(3 + written.bytes.byteLength);
    offByThree.set(written.bytes, 3);
    expect(FingerprintList.fromBytes(offByThree.subarray(3)).has("marea-lenta")).toBe(true);
  });

  // Fails when the fold, the fingerprint or the installed list changed since `bun run assets` ran.
  test("the embedded fingerprints are those of the installed list, folded as a candidate is", async () => {
    const fresh = await fingerprintInstalledList();
    const embedded = commonPasswords();
    expect(embedded.size).toBe(fresh.size);
    expect(Buffer.from(embedded.bytes).equals(fresh.bytes)).toBe(true);
  });

  test("the top common passwords are refused as they are", () => {
    for (const password of [
      "password",
      "123456789",
      "12345678",
      "qwertyuiop",
      "iloveyou",
      "1q2w3e4r",
      "sunshine",
      "football",
      "baseball",
      "trustno1",
    ]) {
      expect(rules(policy({ composition: false }), password)).toEqual(["common"]);
    }
  });

  test("and after the obvious transformations: case, leetspeak, a digit, year or symbol around them", () => {
    for (const password of [
      "Password1",
      "P@ssw0rd",
      "Qwerty123",
      "Welcome1",
      "Summer2024",
      "Dragon2024!",
      "!Monkey99",
      "L3tm31n!",
      "Sunshine1!",
      "Football2023",
      "PASSWORD123",
      "Sh@d0w2020",
      "1Iloveyou",
    ]) {
      expect({ password, rules: rules(policy({ composition: false }), password) }).toEqual({ password, rules: ["common"] });
    }
  });

  test("a strong password that contains a common word is accepted", () => {
    for (const password of ["Dragon-Fly-Umbrella-42", "correct-Horse-battery-9", "Monkey-Wrench-Tango-7", "Velero-Azul-27", "Xk9#mQ2$vL"]) {
      expect({ password, rules: rules(policy(), password) }).toEqual({ password, rules: [] });
    }
  });

  test("at most six candidates, one list lookup each", () => {
    expect(blocklistCandidates("P@ssw0rd1!")).toContain("password");
    expect(blocklistCandidates("Summer2024")).toContain("summer");
    for (const password of ["P@ssw0rd1!", "Summer2024", "x", "Ｐａｓｓ１"]) {
      expect(blocklistCandidates(password).length).toBeLessThanOrEqual(6);
    }
  });

  test("turned off, nothing is refused as common", () => {
    expect(rules(policy({ blocklist: undefined }), "Password1")).toEqual([]);
  });
});

describe("the user's own identifiers", () => {
  const ana = { email: "ana.garcia@example.com", name: "Ana Garcia", display_name: "Ana G" };

  test("the email, its local part or a name, with a capital and a digit, are refused", () => {
    expect(rules(policy(), "Ana.Garcia@example.com1", ana)).toEqual(["contains_email"]);
    expect(rules(policy(), "Ana.garcia2024", ana)).toContain("contains_email");
    expect(rules(policy(), "GarciaAna99", ana)).toEqual(["contains_email", "contains_name"]);
    expect(rules(policy(), "AnaG-Garcia-7", { ...ana, email: "x9@example.com" })).toEqual(["contains_name"]);
    expect(rules(policy(), "G4rcia!Ana1", ana)).not.toEqual([]);
    const mei = { email: "mei@example.com", name: "Wang Mei", display_name: "Xiaomei" };
    expect(rules(policy(), "Xiaomei2024!", mei)).toEqual(["contains_name"]);
  });

  test("a password that only shares a fragment with them is accepted", () => {
    expect(rules(policy(), "Sanagustin-Faro-7", ana)).toEqual([]);
    expect(rules(policy(), "Velero-Azul-27", ana)).toEqual([]);
    expect(rules(policy(), "Ana-Velero-Azul-27", ana)).toEqual([]);
  });
});

describe("bcrypt", () => {
  test("passwords over 72 bytes of UTF-8 are refused, as bcrypt would truncate them", () => {
    const bcrypt = policy({ maxBytes: BCRYPT_MAX_BYTES });
    const at72 = `Velero-Azul-27-${"x".repeat(57)}`;
    expect(Buffer.byteLength(at72)).toBe(72);
    expect(rules(bcrypt, at72)).toEqual([]);
    expect(rules(bcrypt, `${at72}x`)).toEqual(["max_bytes"]);
    // 30 characters, 90 bytes: the limit is bytes, not characters.
    expect(rules(bcrypt, `Aa1${"密".repeat(27)}`)).toEqual(["max_bytes"]);
    expect(rules(policy(), `${at72}x`)).toEqual([]);
  });
});

test("reasons never echo the password", () => {
  const ana = { email: "ana@example.com", name: "Ana", display_name: "Ana" };
  for (const password of ["secretpw", "Password1", "Ana12345678"]) {
    for (const { message } of policy({ minLength: 12 })(password, ana)) expect(message.toLowerCase()).not.toContain(password.toLowerCase());
  }
});
