import { TypeCompiler } from "@sinclair/typebox/compiler";
import { type FieldError, fieldErrors } from "../http/error-mapping";
import { ProblemError } from "../http/problem";
import { type SignupInput, signupBodySchema } from "./model";

/**
 * Validates a parsed signup body against the same schema the OpenAPI document shows. Done in the
 * handler, not by Elysia, so that it is its own span and its errors never carry the values.
 * Returns only the known fields: extra ones are ignored, and never reach the fingerprint.
 */
export function createSignupValidator(passwordMinLength: number) {
  const checker = TypeCompiler.Compile(signupBodySchema(passwordMinLength));
  const invalid = (errors: FieldError[]) =>
    new ProblemError(422, "validation", "Validation Failed", "The request body is invalid", {}, { errors });
  return (body: unknown): SignupInput => {
    if (!checker.Check(body)) throw invalid(fieldErrors({ all: [...checker.Errors(body)] }, passwordMinLength));
    const input: SignupInput = { name: body.name, email: body.email, password: body.password, display_name: body.display_name };
    const unstorable = Object.entries(input)
      .filter(([, value]) => !isStorableText(value))
      .map(([field]) => ({ field, message: "must not contain NUL characters or unpaired surrogates" }));
    if (unstorable.length > 0) throw invalid(unstorable);
    return input;
  };
}

/** PostgreSQL text cannot hold NUL, and an unpaired surrogate would not come back as sent. */
const isStorableText = (value: string) => value.isWellFormed() && !value.includes("\u0000");
