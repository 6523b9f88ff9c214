import { sql } from "drizzle-orm";
import { SWEEP_BATCH_SIZE } from "../db/batch-sweeper";
import type { Database } from "../db/database";
import { idempotencyKeys } from "../db/schema";

/** One batch of expired idempotency records, skipping rows a request is taking over right now. */
export function idempotencySweepStatement(db: Database) {
  const statement = db
    .delete(idempotencyKeys)
    .where(
      sql`(${idempotencyKeys.scope}, ${idempotencyKeys.key}) in (
        select scope, key from ${idempotencyKeys} where expires_at <= now()
        limit ${sql.raw(String(SWEEP_BATCH_SIZE))} for update skip locked)`,
    )
    .returning({ key: idempotencyKeys.key })
    .prepare("idempotency_sweep");
  return () => statement.execute();
}
