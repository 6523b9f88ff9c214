import { sql } from "drizzle-orm";
import type { Database } from "./database";
import { withDeadline } from "./deadline";
import { safeError } from "./errors";

/** How often a replica known to be down is tried again; it is back in use within this after it returns. */
const REPLICA_PROBE_INTERVAL_MS = 1000;
/** A probe (or a readiness check) that takes longer counts as a failure. */
const REPLICA_PROBE_TIMEOUT_MS = 1000;

export interface ReplicaState {
  up: boolean;
  /** The failure that took it out of use, in its safe form. */
  lastError?: string;
}

/**
 * A read replica and whether it is in use. A request that finds it failing marks it down and is
 * answered from the primary; from then on reads go straight to the primary (no request waits for
 * a connect timeout) while a probe tries the replica every second, and puts it back in use as
 * soon as it answers.
 */
export function createReadReplica(options: { db: Database; onChange?: (state: ReplicaState) => void; probeIntervalMs?: number }) {
  const { db, onChange = () => {}, probeIntervalMs = REPLICA_PROBE_INTERVAL_MS } = options;
  const state: ReplicaState = { up: true };
  let probe: ReturnType<typeof setInterval> | undefined;
  let probing = false;
  let closed = false;

  const ping = () => withDeadline(db.execute(sql`select 1`), REPLICA_PROBE_TIMEOUT_MS);

  function stopProbing() {
    clearInterval(probe);
    probe = undefined;
  }

  async function tryAgain() {
    if (probing) return;
    probing = true;
    try {
      await ping();
      if (closed || state.up) return;
      state.up = true;
      state.lastError = undefined;
      stopProbing();
      onChange({ ...state });
    } catch {
      // Still down: the next tick tries again.
    } finally {
      probing = false;
    }
  }

  return {
    db,
    get up() {
      return state.up;
    },
    /** Takes the replica out of use after a failure; idempotent while it is down. */
    markDown(error: unknown) {
      if (closed) return;
      state.lastError = safeError(error).message;
      if (!state.up) return;
      state.up = false;
      onChange({ ...state });
      probe = setInterval(() => void tryAgain(), probeIntervalMs);
      probe.unref?.();
    },
    /** The replica's own check for /ready: it never fails readiness, the primary answers for it. */
    async check() {
      const started = performance.now();
      try {
        await ping();
        return {
          status: "healthy" as const,
          message: state.up ? "Read replica answers; reads go to it" : "Read replica answers again; reads return to it shortly",
          latency_ms: Math.round((performance.now() - started) * 100) / 100,
        };
      } catch (error) {
        return {
          status: "unhealthy" as const,
          message: `Read replica check failed (${safeError(error).message}); reads go to the primary`,
          latency_ms: Math.round(performance.now() - started),
        };
      }
    },
    close() {
      closed = true;
      stopProbing();
    },
  };
}

export type ReadReplica = ReturnType<typeof createReadReplica>;
