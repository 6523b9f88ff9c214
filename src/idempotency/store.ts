import { and, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { instrument, type StatementRuntime } from "../db/instrument";
import { idempotencyKeys } from "../db/schema";
import { completeKeyQuery, leaseMatches } from "./contract";

const p = sql.placeholder;

/** A millisecond count from a placeholder, as an interval added to the database's clock. */
const fromNow = (placeholder: string) => sql`now() + ${p(placeholder)}::bigint * interval '1 millisecond'`;

export function prepareIdempotencyStatements(db: Database, runtime: StatementRuntime) {
  return {
    /**
     * One atomic statement: inserts a new claim, or takes over a record that has expired or
     * whose owner's lease ran out. Returns a row only to the winner. The guard calls it only
     * after its lookup found no record or one with the same payload, so a takeover never
     * changes the payload bound to a key (and still works across a secret rotation).
     */
    claim: instrument(
      runtime,
      "idempotency_claim",
      "INSERT",
      db
        .insert(idempotencyKeys)
        .values({
          scope: sql`${p("scope")}`,
          key: sql`${p("key")}`,
          fingerprint: sql`${p("fingerprint")}`,
          secretVersion: sql`${p("secretVersion")}::smallint`,
          state: "in_progress",
          leaseToken: sql`${p("leaseToken")}::uuid`,
          lockedUntil: fromNow("leaseMs"),
          createdAt: sql`now()`,
          expiresAt: fromNow("ttlMs"),
        })
        .onConflictDoUpdate({
          target: [idempotencyKeys.scope, idempotencyKeys.key],
          set: {
            fingerprint: sql`excluded.fingerprint`,
            secretVersion: sql`excluded.secret_version`,
            state: "in_progress",
            leaseToken: sql`excluded.lease_token`,
            lockedUntil: sql`excluded.locked_until`,
            responseStatus: null,
            responseBody: null,
            responseLocation: null,
            createdAt: sql`excluded.created_at`,
            expiresAt: sql`excluded.expires_at`,
          },
          setWhere: sql`${idempotencyKeys.expiresAt} <= now()
          or (${idempotencyKeys.state} = 'in_progress' and ${idempotencyKeys.lockedUntil} <= now())`,
        })
        // xmax is set only on the update path: tells a takeover from a fresh claim.
        .returning({ tookOver: sql<boolean>`xmax <> 0` })
        .prepare("idempotency_claim"),
    ),

    /** An expired record counts as absent, whatever the sweeper has done. */
    lookup: instrument(
      runtime,
      "idempotency_lookup",
      "SELECT",
      db
        .select({
          // Echoed so the guard can tell that the row is the one it asked for (see the guard).
          scope: idempotencyKeys.scope,
          key: idempotencyKeys.key,
          fingerprint: idempotencyKeys.fingerprint,
          secretVersion: idempotencyKeys.secretVersion,
          state: idempotencyKeys.state,
          responseStatus: idempotencyKeys.responseStatus,
          responseBody: idempotencyKeys.responseBody,
          responseLocation: idempotencyKeys.responseLocation,
          leaseRemainingMs: sql<number>`greatest(0, ceil(extract(epoch from (${idempotencyKeys.lockedUntil} - now())) * 1000))::int`,
        })
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, p("scope")), eq(idempotencyKeys.key, p("key")), gt(idempotencyKeys.expiresAt, sql`now()`)))
        .prepare("idempotency_lookup"),
    ),

    complete: instrument(runtime, "idempotency_complete", "UPDATE", completeKeyQuery(db).prepare("idempotency_complete")),

    /** Frees a claim whose request failed for a reason that is not the client's, so a retry runs. */
    release: instrument(
      runtime,
      "idempotency_release",
      "DELETE",
      db.delete(idempotencyKeys).where(leaseMatches).prepare("idempotency_release"),
    ),
  };
}

export type IdempotencyStatements = ReturnType<typeof prepareIdempotencyStatements>;
