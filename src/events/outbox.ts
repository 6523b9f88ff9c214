import { type SQLWrapper, sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { outboxEvents } from "../db/schema";

const p = sql.placeholder;

/**
 * The outbox insert, to embed as a CTE in the statement that makes the change: one event row for
 * each row `source` yields (none when it yields none). Its placeholders: `eventId`, `eventType`,
 * `eventPayload`, `eventTime`; `subjectColumn` names the source's column that is the subject.
 */
export function outboxInsertQuery(db: Database, source: SQLWrapper, subjectColumn: string) {
  // Column order follows the table definition (an insert ... select lists every column).
  return db
    .insert(outboxEvents)
    .select(
      sql`select ${p("eventId")}::uuid, ${p("eventType")}::varchar, ${sql.identifier(subjectColumn)}::varchar,
        ${p("eventPayload")}::text, ${p("eventTime")}::timestamptz, null::timestamptz, null::uuid, null::timestamptz
        from ${source}`,
    )
    .returning({ id: outboxEvents.id });
}
