import type { ValueError } from "@sinclair/typebox/value";
import { isDatabaseUnavailable } from "../db/errors";
import { GateFullError } from "../users/admission-gate";
import { passwordPolicyViolations } from "../users/password-policy";
import { ProblemError } from "./problem";

export interface FieldError {
  field: string;
  message: string;
}

/**
 * One entry per failing field and rule. The value is never echoed (it may be a password);
 * a password gets the policy's own reasons instead of the schema's regular expression.
 */
export function fieldErrors(error: { all: Array<ValueError & { summary?: string }> }, passwordMinLength: number): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of error.all) {
    const field = issue.path.replace(/^\//, "").replaceAll("/", ".") || "body";
    const reasons = field === "password" && typeof issue.value === "string" ? passwordPolicyViolations(issue.value, passwordMinLength) : [];
    const messages = reasons.length > 0 ? reasons : [issue.summary || issue.message];
    for (const message of messages) {
      const id = `${field}\u0000${message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      errors.push({ field, message });
    }
  }
  return errors;
}

/** Failures that are not the client's, with the answer that tells it what to do. */
export function serverFailureProblem(error: unknown): ProblemError {
  if (error instanceof GateFullError) {
    return new ProblemError(503, "overloaded", "Service Unavailable", "Too many signups in progress; retry shortly", {
      "retry-after": "1",
    });
  }
  if (isDatabaseUnavailable(error)) {
    return new ProblemError(503, "database-unavailable", "Service Unavailable", "The database is not reachable; retry shortly", {
      "retry-after": "2",
    });
  }
  return new ProblemError(500, "internal", "Internal Server Error", "An unexpected error occurred");
}
