import type { Logger } from "../observability/logger";
import { safeError } from "./errors";

export const SWEEP_BATCH_SIZE = 1000;
const STOP_WAIT_MS = 2000;

/**
 * Runs a batch delete every `intervalMs` until a batch comes back short. Each feature brings its
 * own statement (expired rows, `LIMIT SWEEP_BATCH_SIZE`, `FOR UPDATE SKIP LOCKED`), so several
 * copies sweep at once without waiting on each other or on a request holding one of the rows.
 */
export function createBatchSweeper(options: {
  /** What is swept, for the log lines. */
  what: string;
  deleteBatch: () => Promise<unknown[]>;
  intervalMs: number;
  logger: Logger;
  onSwept?: (count: number) => void;
}) {
  const { what, deleteBatch, logger, onSwept = () => {} } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<number> | undefined;
  let stopping = false;

  async function sweepOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch();
      total += deleted.length;
      if (deleted.length < SWEEP_BATCH_SIZE || stopping) break;
    }
    if (total > 0) {
      logger.info({ deleted: total, what }, `swept ${what}`);
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
            logger.warn({ error: safeError(error), what }, `sweeping ${what} failed; will retry`);
            return 0;
          })
          .finally(() => {
            running = undefined;
          });
      }, options.intervalMs);
      timer.unref?.();
    },
    /** Stops the timer and waits for a sweep under way, at most `STOP_WAIT_MS`: shutdown never hangs on it. */
    async stop() {
      stopping = true;
      clearInterval(timer);
      if (running) await Promise.race([running, Bun.sleep(STOP_WAIT_MS)]);
    },
  };
}
