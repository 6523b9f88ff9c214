import type { ErrorObject } from "ajv";
import type { FieldError } from "../http/error-mapping";
import { createJsonSchemaValidator } from "../http/json-schema";
import { ProblemError } from "../http/problem";
import { type PasswordRulesSummary, type SignupInput, signupBodySchema } from "./model";
import { normalizePassword } from "./password-normalization";
import type { PasswordPolicy, PasswordViolation } from "./password-policy";

export const invalidSignup = (errors: FieldError[]) =>
  new ProblemError(422, "validation", "Validation Failed", "The request body is invalid", {}, { errors });

export const passwordErrors = (violations: PasswordViolation[]): FieldError[] =>
  violations.map(({ rule, message }) => ({ field: "password", rule, message }));

/** What each rule of the schema means to a client; never the value it was given. */
function messageOf(error: ErrorObject, field: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return "is required";
    case "type":
      return `must be a ${params.type}`;
    case "minLength":
      return params.limit === 1 ? "must not be empty" : `must be at least ${params.limit} characters`;
    case "maxLength":
      return `must be at most ${params.limit} characters`;
    case "format":
      return `must be a valid ${params.format} address`;
    case "pattern":
      return field === "email" ? "must have a local part of at most 64 characters and domain labels of at most 63" : "must not be blank";
    default:
      return error.message ?? "is invalid";
  }
}

/** One entry per failing field and rule, in the order the schema reports them. */
function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const result: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const missing = error.keyword === "required" ? String((error.params as { missingProperty: string }).missingProperty) : "";
    const field = error.instancePath.replace(/^\//, "").replaceAll("/", ".") || missing || "body";
    const message = messageOf(error, field);
    const id = `${field}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    result.push({ field, message });
  }
  return result;
}

/**
 * Validates a parsed signup body against the same schema the OpenAPI document shows (lengths in
 * code points, as JSON Schema counts them). Done in the handler, not by Elysia, so that it is its
 * own span and its errors never carry the values. `parse` returns only the known fields, the
 * password normalized (NFKC): that form is hashed and fingerprinted; extra fields never reach
 * either. `checkPassword` judges that password by the policy; it is separate because a replay
 * (same key, same body) answers before it: the policy passed when the body was first accepted.
 */
export function createSignupValidator(passwordRules: PasswordRulesSummary, policy: PasswordPolicy) {
  const check = createJsonSchemaValidator().compile<SignupInput>(signupBodySchema(passwordRules));
  return {
    parse(body: unknown): SignupInput {
      if (!check(body)) {
        // Every broken rule in one answer. A password that is text is judged by the policy alone,
        // after normalization, with the rule each reason breaks.
        const password = (body as { password?: unknown } | null)?.password;
        const passwordIsText = typeof password === "string" && password.isWellFormed();
        const errors = fieldErrors(check.errors ?? []).filter((error) => !(passwordIsText && error.field === "password"));
        if (passwordIsText) errors.push(...passwordErrors(policy(normalizePassword(password))));
        // Only the password's raw length broke the schema, and normalized it holds: the policy decides in checkPassword.
        if (errors.length > 0) throw invalidSignup(errors);
      }
      const valid = body as SignupInput;
      const input: SignupInput = { name: valid.name, email: valid.email, password: valid.password, display_name: valid.display_name };
      const unstorable = Object.entries(input)
        .filter(([, value]) => !isStorableText(value))
        .map(([field]) => ({ field, message: "must not contain NUL characters or unpaired surrogates" }));
      if (unstorable.length > 0) throw invalidSignup(unstorable);
      return { ...input, password: normalizePassword(input.password) };
    },
    /** Throws the 422 naming every rule the (normalized) password breaks, in the context of the other fields. */
    checkPassword(input: SignupInput): void {
      const violations = policy(input.password, input);
      if (violations.length > 0) throw invalidSignup(passwordErrors(violations));
    },
  };
}

/** PostgreSQL text cannot hold NUL, and an unpaired surrogate would not come back as sent. */
const isStorableText = (value: string) => value.isWellFormed() && !value.includes("\u0000");
