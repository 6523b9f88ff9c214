import { sql } from "drizzle-orm";
import { SWEEP_BATCH_SIZE } from "../db/batch-sweeper";
import type { Database } from "../db/database";
import { instrument, type StatementRuntime } from "../db/instrument";
import { rateLimitBuckets } from "../db/schema";

const p = sql.placeholder;
const WINDOW_MS = 60_000;
const SCOPE = "POST /signup";

/**
 * Signups per minute per client, one limit for every copy of the service on this database: the
 * state is a row in PostgreSQL, not process memory, so neither the number of copies nor the
 * number of distinct clients changes what one client gets or what a process holds.
 *
 * GCRA (a token bucket kept as one timestamp): each allowed request pushes the client's
 * theoretical arrival time `T = 60 s / limit` further; a request is allowed while that time is
 * less than `60 s - T` ahead of now, so a client gets `limit` at once, then one every `T`.
 * ONE statement decides and records it under the row's lock, so concurrent requests of one
 * client (on any copy) are counted exactly.
 */
export function createSignupRateLimit(db: Database, runtime: StatementRuntime, perMinute: number) {
  const emissionMs = WINDOW_MS / perMinute;
  const aheadLimitMs = WINDOW_MS - emissionMs;
  const ms = (name: string) => sql`${p(name)}::float8 * interval '1 millisecond'`;
  const arrival = sql`greatest(${rateLimitBuckets.theoreticalArrival}, now())`;
  const allowed = sql`${arrival} - now() <= ${ms("aheadLimitMs")}`;
  const take = instrument(
    runtime,
    "rate_limit_take",
    "INSERT",
    db
      .insert(rateLimitBuckets)
      .values({
        scope: sql`${p("scope")}`,
        client: sql`${p("client")}`,
        theoreticalArrival: sql`now() + ${ms("emissionMs")}`,
        allowed: true,
      })
      .onConflictDoUpdate({
        target: [rateLimitBuckets.scope, rateLimitBuckets.client],
        // Both right-hand sides read the row as it was before this request.
        set: {
          allowed: sql`${allowed}`,
          theoreticalArrival: sql`case when ${allowed} then ${arrival} + ${ms("emissionMs")} else ${rateLimitBuckets.theoreticalArrival} end`,
        },
      })
      .returning({
        allowed: rateLimitBuckets.allowed,
        retryAfterSeconds: sql<number>`greatest(1, ceil(extract(epoch from (${rateLimitBuckets.theoreticalArrival} - now())) - ${p("aheadLimitMs")}::float8 / 1000))::int`,
      })
      .prepare("rate_limit_take"),
  );

  return {
    /** Seconds the client must wait, or 0 when this request may go on (and is counted). */
    async take(client: string): Promise<number> {
      const [bucket] = await take.execute({ scope: SCOPE, client: client.slice(0, 64), emissionMs, aheadLimitMs });
      if (!bucket) throw new Error("the rate limit statement returned no row");
      return bucket.allowed ? 0 : bucket.retryAfterSeconds;
    },
  };
}

export type SignupRateLimit = ReturnType<typeof createSignupRateLimit>;

/** Buckets whose time has passed are full again: forgetting them changes no answer. */
export function rateLimitSweepStatement(db: Database) {
  const statement = db
    .delete(rateLimitBuckets)
    .where(
      sql`(${rateLimitBuckets.scope}, ${rateLimitBuckets.client}) in (
        select scope, client from ${rateLimitBuckets} where theoretical_arrival < now()
        limit ${sql.raw(String(SWEEP_BATCH_SIZE))} for update skip locked)`,
    )
    .returning({ client: rateLimitBuckets.client })
    .prepare("rate_limit_sweep");
  return () => statement.execute();
}
