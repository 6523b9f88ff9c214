// Where a process's threads spent a window: on a core, or runnable and waiting for one. Read from
// /proc/<pid>/task/<tid>/schedstat (nanoseconds on a core, nanoseconds waiting on the run queue,
// times scheduled), so a hash that takes longer under load is told apart: more CPU (the hash
// itself slowed) or more waiting (the cores were taken by PostgreSQL, the event loop, the load).
import { readdirSync, readFileSync } from "node:fs";
import { HASH_THREAD_NAME } from "../../src/users/password-hasher.ts";

export interface ThreadTimes {
  run_ms: number;
  wait_ms: number;
  slices: number;
}

/** The JavaScript thread: the one whose id is the process's. */
export const EVENT_LOOP = "event loop";
/**
 * Bun's thread pool (its threads are named "Bun Pool 0", "Bun Pool 1", ...), where the hash alone
 * (`Bun.password.hash`, the limit) runs: all its work is counted.
 */
export const POOL_HASH_THREADS = "Bun Pool";
/** The service's own hash threads (`users/password-hasher.ts`). */
export const SERVICE_HASH_THREADS = HASH_THREAD_NAME;

/** Each thread's times so far, by thread id, with its group: the event loop, or its name without a trailing number. */
export function threadTimes(pid: number): Map<string, ThreadTimes & { group: string }> {
  const threads = new Map<string, ThreadTimes & { group: string }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const [run = 0, wait = 0, slices = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const group = tid === String(pid) ? EVENT_LOOP : name.replace(/\s*\d+$/, "");
      threads.set(tid, { group, run_ms: run / 1e6, wait_ms: wait / 1e6, slices });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * Per group, what its threads spent between two readings (a thread started in between counts
 * from zero; one that ended in between is not counted).
 */
export function threadTimesSince(
  before: ReturnType<typeof threadTimes>,
  after: ReturnType<typeof threadTimes>,
): Record<string, ThreadTimes> {
  const groups: Record<string, ThreadTimes> = {};
  for (const [tid, now] of after) {
    const then = before.get(tid);
    const total = groups[now.group] ?? { run_ms: 0, wait_ms: 0, slices: 0 };
    groups[now.group] = total;
    total.run_ms += now.run_ms - (then?.run_ms ?? 0);
    total.wait_ms += now.wait_ms - (then?.wait_ms ?? 0);
    total.slices += now.slices - (then?.slices ?? 0);
  }
  return groups;
}

/** Per group, what its threads spent since they started. */
export const groupThreads = (reading: ReturnType<typeof threadTimes>) => threadTimesSince(new Map(), reading);

/** One group's times divided by a count (per hash, per signup). */
export function perEach(times: ThreadTimes | undefined, count: number): ThreadTimes | undefined {
  if (!times || !(count > 0)) return undefined;
  return { run_ms: times.run_ms / count, wait_ms: times.wait_ms / count, slices: times.slices / count };
}
