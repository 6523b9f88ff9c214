import type { Static } from "@sinclair/typebox";
import { t } from "elysia";
import { MAX_PASSWORD_LENGTH } from "./password-policy";

/**
 * RFC 5321's part limits, which no mail server goes beyond: a local part of at most 64 octets,
 * domain labels of at most 63. The `email` format admits ASCII only, so characters are octets.
 */
const EMAIL_PART_LIMITS = "^[^@]{1,64}@(?:[^.@]{1,63}\\.)*[^.@]{1,63}$";

/** What the OpenAPI document says of the password; the policy (password-policy.ts) enforces it. */
export interface PasswordRulesSummary {
  minLength: number;
  composition: boolean;
  blocklist: boolean;
}

const describePassword = ({ minLength, composition, blocklist }: PasswordRulesSummary) =>
  `${minLength}-${MAX_PASSWORD_LENGTH} characters (code points, after NFKC normalization)` +
  (composition ? " with an upper-case letter, a lower-case letter and a digit (any script)" : "") +
  (blocklist ? "; not a common or breached password" : "") +
  "; not one built from the email or the names. " +
  "A refusal names each broken rule in `errors[].rule`.";

/** The seed's composition rule, in any script: what the policy checks, as a JSON Schema pattern (Unicode). */
const COMPOSITION_PATTERN = "^(?=.*\\p{Lu})(?=.*\\p{Ll})(?=.*\\p{Nd})";

/**
 * Lengths are in characters (code points), as JSON Schema counts them and as the validator checks
 * them. The password's length and composition are stated here for clients; the policy enforces
 * them, on the NFKC-normalized password, with the rules no schema can state (the blocklist, the
 * user's own identifiers) and names each broken rule.
 */
export const signupBodySchema = (passwordRules: PasswordRulesSummary) =>
  t.Object(
    {
      name: t.String({ minLength: 1, maxLength: 255, pattern: "\\S", examples: ["Ana"] }),
      email: t.String({
        format: "email",
        maxLength: 254,
        pattern: EMAIL_PART_LIMITS,
        description: "At most 254 characters; a local part of at most 64 and domain labels of at most 63 (RFC 5321)",
        examples: ["ana@example.com"],
      }),
      password: t.String({
        minLength: passwordRules.minLength,
        maxLength: MAX_PASSWORD_LENGTH,
        ...(passwordRules.composition ? { pattern: COMPOSITION_PATTERN } : {}),
        description: describePassword(passwordRules),
        examples: ["Velero-Azul-27"],
      }),
      display_name: t.String({ minLength: 1, maxLength: 255, pattern: "\\S", examples: ["Ana G"] }),
    },
    { description: "A new user. Fields not listed here are ignored." },
  );

export type SignupInput = Static<ReturnType<typeof signupBodySchema>>;

export const userSchema = t.Object(
  {
    id: t.String({ format: "uuid", examples: ["0193f1c2-7a4e-7c3b-9a51-6b2f0e8d4c11"] }),
    name: t.String({ examples: ["Ana"] }),
    email: t.String({ examples: ["ana@example.com"] }),
    display_name: t.String({ examples: ["Ana G"] }),
    created_at: t.String({ format: "date-time", examples: ["2025-10-05T12:00:00.000Z"] }),
  },
  { description: "A user as the read model shows it; never a password or its hash." },
);

export type UserView = Static<typeof userSchema>;

/** Emails are unique case-insensitively: this is the form the unique index holds. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();
