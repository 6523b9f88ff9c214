import type { ValueError } from "@sinclair/typebox/value";
import { isDatabaseUnavailable } from "../db/errors";
import { isAnsweredFailure, ProblemError } from "./problem";

export interface FieldError {
  field: string;
  /** The rule broken, where a feature names it (the password's: `min_length`, `common`, ...). */
  rule?: string;
  message: string;
}

/** One entry per failing field and rule. The value is never echoed (it may be a password). */
export function fieldErrors(error: { all: Array<ValueError & { summary?: string }> }): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of error.all) {
    const field = issue.path.replace(/^\//, "").replaceAll("/", ".") || "body";
    // Elysia's summary of a type mismatch ends with the value it found: never echoed.
    const message = issue.summary?.replace(/ but found: [\s\S]*$/, "") || issue.message;
    const id = `${field}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    errors.push({ field, message });
  }
  return errors;
}

/** Failures that are not the client's, with the answer that tells it what to do. */
export function serverFailureProblem(error: unknown): ProblemError {
  if (isAnsweredFailure(error)) return error.answer();
  if (isDatabaseUnavailable(error)) {
    return new ProblemError(503, "database-unavailable", "Service Unavailable", "The database is not reachable; retry shortly", {
      "retry-after": "2",
    });
  }
  return new ProblemError(500, "internal", "Internal Server Error", "An unexpected error occurred");
}
