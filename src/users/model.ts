import { t } from "elysia";
import { MAX_PASSWORD_LENGTH } from "./password-policy";

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

/**
 * The password is only typed here: its length and content are checked after normalization by the
 * policy, which counts characters, not the UTF-16 units a JSON Schema length would count.
 */
export const signupBodySchema = (passwordRules: PasswordRulesSummary) =>
  t.Object(
    {
      name: t.String({ minLength: 1, maxLength: 255, pattern: "\\S", examples: ["Ana"] }),
      email: t.String({ format: "email", maxLength: 254, examples: ["ana@example.com"] }),
      password: t.String({ description: describePassword(passwordRules), examples: ["Velero-Azul-27"] }),
      display_name: t.String({ minLength: 1, maxLength: 255, pattern: "\\S", examples: ["Ana G"] }),
    },
    { description: "A new user. Fields not listed here are ignored." },
  );

export type SignupInput = {
  name: string;
  email: string;
  password: string;
  display_name: string;
};

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

export interface UserView {
  id: string;
  name: string;
  email: string;
  display_name: string;
  created_at: string;
}

/** Emails are unique case-insensitively: this is the form the unique index holds. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();
