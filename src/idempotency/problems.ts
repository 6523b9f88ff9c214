import { ProblemError } from "../http/problem";

export const keyInProgress = (retryAfterSeconds: number, detail: string) =>
  new ProblemError(409, "idempotency-key-in-progress", "Request with this Idempotency-Key is in progress", detail, {
    "retry-after": String(retryAfterSeconds),
  });

export const keyReused = () =>
  new ProblemError(
    422,
    "idempotency-key-reused",
    "Idempotency-Key reused with a different payload",
    "This Idempotency-Key was already used with a different request body; use a new key for a new request",
  );
