import type { ErrorObject } from "ajv";
import type { FieldError } from "../http/error-mapping";
import { createJsonSchemaValidator } from "../http/json-schema";
import { ProblemError } from "../http/problem";
import { type SignupInput, signupBodySchema } from "./model";
import { passwordPolicyViolations } from "./password-policy";

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
      return field === "email"
        ? "must have a local part of at most 64 characters and domain labels of at most 63"
        : "must not be blank";
    default:
      return error.message ?? "is invalid";
  }
}

/** One entry per failing field and rule; a password gets the policy's own reasons instead of its regular expression. */
function fieldErrors(errors: ErrorObject[], body: unknown, passwordMinLength: number): FieldError[] {
  const result: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const missing = error.keyword === "required" ? String((error.params as { missingProperty: string }).missingProperty) : "";
    const field = error.instancePath.replace(/^\//, "").replaceAll("/", ".") || missing || "body";
    const value = field === "password" ? (body as { password?: unknown }).password : undefined;
    const reasons = typeof value === "string" ? passwordPolicyViolations(value, passwordMinLength) : [];
    for (const message of reasons.length > 0 ? reasons : [messageOf(error, field)]) {
      const id = `${field}\u0000${message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      result.push({ field, message });
    }
  }
  return result;
}

/**
 * Validates a parsed signup body against the same schema the OpenAPI document shows. Done in the
 * handler, not by Elysia, so that it is its own span and its errors never carry the values.
 * Returns only the known fields: extra ones are ignored, and never reach the fingerprint.
 */
export function createSignupValidator(passwordMinLength: number) {
  const check = createJsonSchemaValidator().compile<SignupInput>(signupBodySchema(passwordMinLength));
  const invalid = (errors: FieldError[]) =>
    new ProblemError(422, "validation", "Validation Failed", "The request body is invalid", {}, { errors });
  return (body: unknown): SignupInput => {
    if (!check(body)) throw invalid(fieldErrors(check.errors ?? [], body, passwordMinLength));
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
