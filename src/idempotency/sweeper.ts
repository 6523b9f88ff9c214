import { sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { safeError } from "../db/errors";
import { idempotencyKeys } from "../db/schema";
import type { Logger } from "../observability/logger";

export const SWEEP_BATCH_SIZE = 1000;

/**
 * Deletes expired records in batches. SKIP LOCKED lets several copies sweep at once without
 * waiting on each other or on a request that is taking an expired key over.
 */
export function createSweeper(options: {
  db: Database;
  intervalMs: number;
  logger: Logger;
  onSwept?: (count: number) => void;
}) {
  const { db, logger, onSwept = () => {} } = options;
  const deleteBatch = db
    .delete(idempotencyKeys)
    .where(
      sql`(${idempotencyKeys.scope}, ${idempotencyKeys.key}) in (
        select scope, key from ${idempotencyKeys} where expires_at <= now()
        limit ${sql.raw(String(SWEEP_BATCH_SIZE))} for update skip locked)`,
    )
    .returning({ key: idempotencyKeys.key })
    .prepare("idempotency_sweep");

  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<number> | undefined;

  async function sweepOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch.execute();
      total += deleted.length;
      if (deleted.length < SWEEP_BATCH_SIZE) break;
    }
    if (total > 0) {
      logger.info({ deleted: total }, "swept expired idempotency keys");
      onSwept(total);
    }
    return total;
  }

  return {
    sweepOnce,
    start() {
      timer = setInterval(() => {
        if (running) return;
        running = sweepOnce()
          .catch((error) => {
            logger.warn({ error: safeError(error) }, "idempotency sweep failed; will retry");
            return 0;
          })
          .finally(() => {
            running = undefined;
          });
      }, options.intervalMs);
      timer.unref?.();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

export type Sweeper = ReturnType<typeof createSweeper>;
