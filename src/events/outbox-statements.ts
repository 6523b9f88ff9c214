import { sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { instrument, type StatementRuntime } from "../db/instrument";
import { outboxEvents } from "../db/schema";
import { withoutSpans } from "../observability/spans";

const p = sql.placeholder;

export const PRUNE_BATCH_SIZE = 1000;

/** A millisecond count from a placeholder, as an interval from the database's clock. */
const milliseconds = (placeholder: string) => sql`${p(placeholder)}::bigint * interval '1 millisecond'`;

/** Ids travel as one comma-separated text parameter: the same on postgres.js and PGlite. */
const idIn = sql`${outboxEvents.id} = any(string_to_array(${p("ids")}::text, ',')::uuid[])`;

/**
 * The relay's statements, each one round trip on its own: nothing depends on a session or a held
 * transaction. The claim and the prune run on every poll and every minute, mostly finding
 * nothing: they get no span (a trace per idle poll is noise); the batch span holds the rest.
 */
export function prepareOutboxStatements(db: Database, runtime: StatementRuntime) {
  const unspanned = { ...runtime, spans: withoutSpans };
  return {
    /**
     * Claims up to `limit` pending events for `leaseMs` under `claimToken`. SKIP LOCKED: copies
     * claiming at the same moment take different rows instead of waiting; a claim whose lease
     * ran out (its relay died) is taken again.
     */
    claim: instrument(
      unspanned,
      "outbox_claim",
      "UPDATE",
      db
        .update(outboxEvents)
        .set({
          claimedUntil: sql`now() + ${milliseconds("leaseMs")}`,
          claimToken: sql`${p("claimToken")}::uuid`,
        })
        .where(
          sql`${outboxEvents.id} in (
            select ${outboxEvents.id} from ${outboxEvents}
            where ${outboxEvents.sentAt} is null and (${outboxEvents.claimedUntil} is null or ${outboxEvents.claimedUntil} <= now())
            order by ${outboxEvents.id}
            limit ${p("limit")}::int
            for update skip locked)`,
        )
        .returning({ id: outboxEvents.id, payload: outboxEvents.payload })
        .prepare("outbox_claim"),
    ),

    /** The stream has them: whoever holds the claim now, they are sent. */
    markSent: instrument(
      runtime,
      "outbox_mark_sent",
      "UPDATE",
      db
        .update(outboxEvents)
        .set({ sentAt: sql`now()`, claimedUntil: null, claimToken: null })
        .where(sql`${idIn} and ${outboxEvents.sentAt} is null`)
        .prepare("outbox_mark_sent"),
    ),

    /** Gives back the claims of events that failed to publish, so the next attempt (any copy's) takes them. */
    release: instrument(
      runtime,
      "outbox_release",
      "UPDATE",
      db
        .update(outboxEvents)
        .set({ claimedUntil: null, claimToken: null })
        .where(sql`${idIn} and ${outboxEvents.claimToken} = ${p("claimToken")}::uuid`)
        .prepare("outbox_release"),
    ),

    /** Deletes sent events older than the retention, a batch at a time. */
    prune: instrument(
      unspanned,
      "outbox_prune",
      "DELETE",
      db
        .delete(outboxEvents)
        .where(
          sql`${outboxEvents.id} in (
            select ${outboxEvents.id} from ${outboxEvents}
            where ${outboxEvents.sentAt} is not null and ${outboxEvents.sentAt} < now() - ${milliseconds("retentionMs")}
            limit ${sql.raw(String(PRUNE_BATCH_SIZE))}
            for update skip locked)`,
        )
        .returning({ id: outboxEvents.id })
        .prepare("outbox_prune"),
    ),

    /** For the gauges: how many events wait, and for how long the oldest has. */
    pending: db
      .select({
        count: sql<number>`count(*)::int`,
        oldestAgeSeconds: sql<number>`coalesce(extract(epoch from (now() - min(${outboxEvents.createdAt}))), 0)::float8`,
      })
      .from(outboxEvents)
      .where(sql`${outboxEvents.sentAt} is null`)
      .prepare("outbox_pending"),
  };
}

export type OutboxStatements = ReturnType<typeof prepareOutboxStatements>;
