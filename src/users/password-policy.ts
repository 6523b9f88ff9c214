import { MIN_LISTED_LENGTH, type PasswordList } from "./password-list";
import { characterCount, foldForComparison } from "./password-normalization";

export const MAX_PASSWORD_LENGTH = 128;
/** bcrypt reads 72 bytes; Bun pre-hashes longer input, which another bcrypt verifier would not. */
export const BCRYPT_MAX_BYTES = 72;

/** What a refusal names: clients branch on `rule`, people read `message`. */
export type PasswordRule =
  | "min_length"
  | "max_length"
  | "max_bytes"
  | "uppercase"
  | "lowercase"
  | "digit"
  | "common"
  | "contains_email"
  | "contains_name"
  | "breached";

export interface PasswordViolation {
  rule: PasswordRule;
  message: string;
}

export interface PasswordPolicyOptions {
  minLength: number;
  /** The seed's rule: an upper-case letter, a lower-case letter and a digit, in any script. */
  composition: boolean;
  /** Set for bcrypt, which reads only so many bytes. */
  maxBytes?: number;
  /** Folded common passwords; absent, the list check is off. */
  blocklist?: PasswordList;
}

/** Who is signing up: a password built from these is refused. */
export interface PasswordContext {
  email: string;
  name: string;
  display_name: string;
}

export const violation = (rule: PasswordRule, message: string): PasswordViolation => ({ rule, message });

/**
 * The password rules, applied to the normalized password (see password-normalization.ts). The
 * reasons never echo the password.
 */
export function createPasswordPolicy(options: PasswordPolicyOptions) {
  const { minLength, composition, maxBytes, blocklist } = options;
  return function check(password: string, context?: PasswordContext): PasswordViolation[] {
    const violations: PasswordViolation[] = [];
    const length = characterCount(password);
    if (length < minLength) violations.push(violation("min_length", `must be at least ${minLength} characters`));
    if (length > MAX_PASSWORD_LENGTH) {
      violations.push(violation("max_length", `must be at most ${MAX_PASSWORD_LENGTH} characters`));
      return violations;
    }
    if (maxBytes !== undefined && Buffer.byteLength(password, "utf8") > maxBytes) {
      violations.push(violation("max_bytes", `must be at most ${maxBytes} bytes in UTF-8`));
    }
    if (composition) {
      if (!/\p{Lu}/u.test(password)) violations.push(violation("uppercase", "must contain an upper-case letter"));
      if (!/\p{Ll}/u.test(password)) violations.push(violation("lowercase", "must contain a lower-case letter"));
      if (!/\p{Nd}/u.test(password)) violations.push(violation("digit", "must contain a digit"));
    }
    if (blocklist && blocklistCandidates(password).some((candidate) => blocklist.has(candidate))) {
      violations.push(violation("common", "is too common: it is on a list of frequently used and breached passwords"));
    }
    if (context) violations.push(...contextViolations(password, context));
    return violations;
  };
}

export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;

/** The substitutions cracking rules try first; `1` and `!` stand for `i` or `l`. */
const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "8": "b",
  "9": "g",
  "@": "a",
  $: "s",
  "!": "i",
  "+": "t",
  "|": "l",
  "€": "e",
};
const LEET_CHARACTERS = /[01345789@$!+|€]/g;
const unleet = (text: string, one: "i" | "l") => text.replace(LEET_CHARACTERS, (c) => (c === "1" || c === "!" ? one : (LEET[c] ?? c)));

/** A few digits or symbols before or after a word: `Summer2024!`, `!Welcome1`. */
const AFFIXES = /^[^\p{L}]{1,4}|[^\p{L}]{1,6}$/gu;

/**
 * The forms of a password looked up in the list: itself, case-folded, without the digits, year
 * or symbols around it, and with leetspeak undone. One list lookup each, at most six.
 */
export function blocklistCandidates(password: string): string[] {
  const folded = foldForComparison(password);
  const bare = folded.replace(AFFIXES, "");
  const candidates = new Set<string>();
  for (const base of bare.length >= MIN_LISTED_LENGTH ? [folded, bare] : [folded]) {
    candidates.add(base);
    candidates.add(unleet(base, "i"));
    candidates.add(unleet(base, "l"));
  }
  return [...candidates];
}

/** A fragment of an identifier this short (`Al`, `Jo`) would refuse unrelated passwords. */
const MIN_IDENTIFIER_LENGTH = 3;
/** What must be left, in letters, once the user's identifiers are taken out of the password. */
const MIN_OWN_LETTERS = 4;

/** The letters of a text, leetspeak undone inside it and digits or symbols around it dropped. */
const letters = (text: string) => unleet(foldForComparison(text).replace(AFFIXES, ""), "i").replace(/[^\p{L}]/gu, "");
const words = (text: string) =>
  foldForComparison(text)
    .split(/[^\p{L}\p{N}]+/u)
    .map(letters);

type IdentifierRule = "contains_email" | "contains_name";

/**
 * A password is built from the user's identifiers when, with every one of them taken out, fewer
 * than four letters of its own remain: `ana.garcia@example.com1`, `AnaGarcia2024`, `G4rcia!Ana`.
 */
function contextViolations(password: string, context: PasswordContext): PasswordViolation[] {
  const localPart = context.email.slice(0, Math.max(0, context.email.lastIndexOf("@")));
  const rulesOf = new Map<string, Set<IdentifierRule>>();
  const add = (rule: IdentifierRule, values: string[]) => {
    for (const value of values.map(letters)) {
      if (value.length < MIN_IDENTIFIER_LENGTH) continue;
      rulesOf.set(value, (rulesOf.get(value) ?? new Set()).add(rule));
    }
  };
  add("contains_email", [context.email, localPart, ...words(localPart)]);
  add("contains_name", [context.name, context.display_name, ...words(context.name), ...words(context.display_name)]);

  let rest = letters(password);
  const used = new Set<IdentifierRule>();
  // Longest first, so `anagarcia` goes whole before `ana` could split it.
  for (const [value, rules] of [...rulesOf].sort(([a], [b]) => b.length - a.length)) {
    if (!rest.includes(value)) continue;
    rest = rest.replaceAll(value, "");
    for (const rule of rules) used.add(rule);
  }
  if (used.size === 0 || rest.length >= MIN_OWN_LETTERS) return [];
  const found: PasswordViolation[] = [];
  if (used.has("contains_email")) found.push(violation("contains_email", "must not be built from your email address"));
  if (used.has("contains_name")) found.push(violation("contains_name", "must not be built from your name or display name"));
  return found;
}
