import { TypeCompiler } from "@sinclair/typebox/compiler";
import { fieldErrors } from "../http/error-mapping";
import { ProblemError } from "../http/problem";
import { type SignupInput, signupBodySchema } from "./model";

/**
 * Validates a parsed signup body against the same schema the OpenAPI document shows. Done in the
 * handler, not by Elysia, so that it is its own span and its errors never carry the values.
 * Returns only the known fields: extra ones are ignored, and never reach the fingerprint.
 */
export function createSignupValidator(passwordMinLength: number) {
  const checker = TypeCompiler.Compile(signupBodySchema(passwordMinLength));
  return (body: unknown): SignupInput => {
    if (checker.Check(body)) {
      const { name, email, password, display_name } = body;
      return { name, email, password, display_name };
    }
    throw new ProblemError(422, "validation", "Validation Failed", "The request body is invalid", {}, {
      errors: fieldErrors({ all: [...checker.Errors(body)] }, passwordMinLength),
    });
  };
}
