import { sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { idempotencyKeys } from "../db/schema";
import { ProblemError } from "../http/problem";
import { keyInProgress } from "./problems";

/**
 * The contract between the idempotency guard and a command that runs under a key: the one thing
 * a feature imports from idempotency/. The guard claims the key and hands the command a
 * `ClaimedKey`; the command completes it with its answer, either in its own write statement
 * (`completeKeyQuery` as a CTE, so the answer commits with what it wrote) or, when it writes
 * nothing, with `complete()`. When the command throws, the guard releases the key.
 */

/** What a replay gives back, byte for byte. */
export interface StoredResponse {
  status: number;
  body: string;
  location?: string;
}

/** Proof of ownership of a claimed key; completing with it fails once another request took over. */
export interface KeyLease {
  scope: string;
  key: string;
  leaseToken: string;
}

export interface ClaimedKey {
  lease: KeyLease;
  /** Stores the answer under the key, for a command whose own statement did not. */
  complete(response: StoredResponse): Promise<void>;
}

const p = sql.placeholder;
const keyMatches = sql`${idempotencyKeys.scope} = ${p("scope")} and ${idempotencyKeys.key} = ${p("key")}`;
/** The claimed key row, while the lease token still owns it. */
export const leaseMatches = sql`${keyMatches} and ${idempotencyKeys.leaseToken} = ${p("leaseToken")}`;

/**
 * Marks a claimed key completed with its response, only while `leaseToken` still owns it
 * (placeholders: the lease's fields, `responseStatus`, `responseBody`, `responseLocation`).
 * Returns a row only when it completed the key.
 */
export const completeKeyQuery = (db: Database) =>
  db
    .update(idempotencyKeys)
    .set({
      state: "completed",
      responseStatus: sql`${p("responseStatus")}::int`,
      responseBody: sql`${p("responseBody")}::text`,
      responseLocation: sql`${p("responseLocation")}::text`,
      leaseToken: null,
      lockedUntil: null,
    })
    .where(leaseMatches)
    .returning({ key: idempotencyKeys.key });

/** The answer of a command whose completion found the key taken over by another request. */
export const leaseLost = () =>
  keyInProgress(1, "This request took too long and another request with the same Idempotency-Key took over; retry to get its result");

/** Whether a request was refused for its key: another request holds it (409), or it was used with another payload (422). */
export const isKeyConflict = (error: unknown) =>
  error instanceof ProblemError && (error.slug === "idempotency-key-in-progress" || error.slug === "idempotency-key-reused");

export type { IdempotencyGuard } from "./guard";
export { idempotencyKeySchema, parseIdempotencyKey } from "./key";
