import type { Static } from "@sinclair/typebox";
import type { problemSchema } from "./problem-schema";

/** RFC 9457 problem details, as `problemSchema` states them. `type` URIs are URNs: stable identifiers, not links. */
export type Problem = Static<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const problemType = (slug: string) => `urn:signup-service:problem:${slug}`;

/** A failure with a known answer: thrown anywhere, rendered as problem+json by the error hook. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  toProblem(instance: string, requestId: string): Problem {
    return {
      type: problemType(this.slug),
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      instance,
      request_id: requestId,
      ...this.extensions,
    };
  }
}

/**
 * A failure that is not the client's but has an answer that tells the client what to do (an
 * overload's 503 with Retry-After). Logged as a failure like any other, then answered with its own
 * problem: a feature's error implements this, so the http layer maps it without knowing the feature.
 */
export interface AnsweredFailure {
  answer(): ProblemError;
}

export const isAnsweredFailure = (error: unknown): error is AnsweredFailure =>
  typeof error === "object" && error !== null && typeof (error as Partial<AnsweredFailure>).answer === "function";

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { ...headers, "content-type": PROBLEM_CONTENT_TYPE },
  });
}
