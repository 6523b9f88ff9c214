import { TypeCompiler } from "@sinclair/typebox/compiler";
import { type FieldError, fieldErrors } from "../http/error-mapping";
import { ProblemError } from "../http/problem";
import { type PasswordRulesSummary, type SignupInput, signupBodySchema } from "./model";
import { normalizePassword } from "./password-normalization";
import type { PasswordPolicy, PasswordViolation } from "./password-policy";

export const invalidSignup = (errors: FieldError[]) =>
  new ProblemError(422, "validation", "Validation Failed", "The request body is invalid", {}, { errors });

export const passwordErrors = (violations: PasswordViolation[]): FieldError[] =>
  violations.map(({ rule, message }) => ({ field: "password", rule, message }));

/**
 * Validates a parsed signup body against the same schema the OpenAPI document shows, then the
 * password against the policy, normalized (NFKC). Done in the handler, not by Elysia, so that it
 * is its own span and its errors never carry the values. Returns only the known fields, the
 * password normalized: that form is hashed and fingerprinted. Extra fields never reach either.
 */
export function createSignupValidator(passwordRules: PasswordRulesSummary, policy: PasswordPolicy) {
  const checker = TypeCompiler.Compile(signupBodySchema(passwordRules));
  return (body: unknown): SignupInput => {
    if (!checker.Check(body)) {
      const errors = fieldErrors({ all: [...checker.Errors(body)] });
      // Every broken rule in one answer: the password's too, when it is at least a string.
      const password = (body as { password?: unknown } | null)?.password;
      if (typeof password === "string" && password.isWellFormed()) errors.push(...passwordErrors(policy(normalizePassword(password))));
      throw invalidSignup(errors);
    }
    const input: SignupInput = { name: body.name, email: body.email, password: body.password, display_name: body.display_name };
    const unstorable = Object.entries(input)
      .filter(([, value]) => !isStorableText(value))
      .map(([field]) => ({ field, message: "must not contain NUL characters or unpaired surrogates" }));
    if (unstorable.length > 0) throw invalidSignup(unstorable);
    const password = normalizePassword(input.password);
    const violations = policy(password, input);
    if (violations.length > 0) throw invalidSignup(passwordErrors(violations));
    return { ...input, password };
  };
}

/** PostgreSQL text cannot hold NUL, and an unpaired surrogate would not come back as sent. */
const isStorableText = (value: string) => value.isWellFormed() && !value.includes("\u0000");
