// Admission control: open-loop signups (bench/lib/paced.ts) at fixed rates, to find the highest
// rate whose P95 stays under 100 ms. wrk cannot answer this: it is closed-loop, so a slow answer
// delays the next request and hides the queue. Each try at a rate is followed by the hash alone at
// that rate (bench/baselines/paced-hash.ts), so every point of the service's latency curve has the
// hash's beside it, measured a moment later; only the service's decides whether a rate holds.
import { join } from "node:path";
import { ADMISSION_P95_MS, BENCH_DIR, CFG } from "./config.ts";
import { log } from "./log.ts";
import type { ServiceUnderLoad } from "./measurement.ts";
import { lastLineJson, mustRun } from "./process.ts";
import type { ThreadTimes } from "./threads.ts";

/** What bench/lib/paced.ts prints. */
interface PacedResult {
  rate: number;
  scheduled: number;
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  error_rate: number;
  latency_ms: { p50: number; p90: number; p95: number; p99: number; max: number };
  created: number;
  [more: string]: unknown;
}

/** What bench/baselines/paced-hash.ts prints. */
export interface PacedHashResult {
  rate: number;
  scheduled: number;
  completed: number;
  errors: number;
  latency_ms: { p50: number; p90: number; p95: number; p99: number; max: number };
  concurrency: number;
  mimalloc_purge_delay_ms: number;
  /** Absent in results from before it was measured. */
  hash_threads_per_hash?: ThreadTimes;
  [more: string]: unknown;
}

export interface SweepStep extends PacedResult {
  attempt: number;
  pass: boolean;
  foreign_cpu_pct: number;
  hash_alone: PacedHashResult & { foreign_cpu_pct: number };
}

/** Fractions of the hash-alone rate to try, in order. */
const FRACTIONS = [0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25];
const MAX_ERROR_RATE = 0.01;
/** A step that misses is tried once more before it counts: one slow second on a shared machine should not decide it. */
const ATTEMPTS = 2;

/** One open-loop run of `script` (under bench/) at `rate`, with the sweep's window; its JSON line. */
async function openLoop<Result>(script: string, rate: number, extraArgs: string[], env?: Record<string, string>) {
  const { stdout } = await mustRun(
    [
      "bun",
      join(BENCH_DIR, script),
      "--rate",
      String(rate),
      "--seconds",
      String(CFG.seconds),
      "--warmup",
      String(CFG.warmup),
      ...extraArgs,
    ],
    { env, timeoutMs: (CFG.seconds + CFG.warmup + 60) * 1000 },
  );
  return lastLineJson<Result>(stdout);
}

const paced = (url: string, rate: number, tag: string) => openLoop<PacedResult>("lib/paced.ts", rate, ["--url", url, "--tag", tag]);

// The service binary restarts itself with MIMALLOC_PURGE_DELAY=1000 unless its environment
// (this one) already names it (src/allocator.ts); the hash alone must run with the same, or
// every hash after an idle moment faults its 19 MiB in again and costs about 3 times more.
const HASH_ALONE_ENV = { MIMALLOC_PURGE_DELAY: process.env.MIMALLOC_PURGE_DELAY ?? "1000" };
const pacedHash = (rate: number) => openLoop<PacedHashResult>("baselines/paced-hash.ts", rate, [], HASH_ALONE_ENV);

/**
 * The hash alone, through the same gate, at recorded moments (ms after the first, one per line):
 * the seed profile's signup send times, so its signups' tail can be told from the tail that the
 * hash and that arrival process make by themselves.
 */
export async function hashAtRecordedArrivals(arrivalsFile: string, seconds: number): Promise<PacedHashResult> {
  const { stdout } = await mustRun(["bun", join(BENCH_DIR, "baselines/paced-hash.ts"), "--arrivals", arrivalsFile], {
    env: HASH_ALONE_ENV,
    timeoutMs: (seconds + 60) * 1000,
  });
  return lastLineJson<PacedHashResult>(stdout);
}

export async function admissionSweep(hashRps: number, context: ServiceUnderLoad) {
  const { url, servicePid, runTag, cpu, postgres } = context;
  const steps: SweepStep[] = [];
  let bestRate = 0;
  let created = 0;
  const rates = FRACTIONS.map((f) => Math.max(1, Math.round(hashRps * f)));
  let bisected = false;
  for (let k = 0; k < rates.length; k++) {
    const rate = rates[k]!;
    let passed = false;
    for (let attempt = 1; attempt <= ATTEMPTS && !passed; attempt++) {
      const before = cpu.snapshot([servicePid]);
      const result = await paced(url, rate, `${runTag}p${rate}a${attempt}`);
      created += result.created;
      if (await postgres.restarted()) {
        log(`sweep ${rate}/s: PostgreSQL was restarted (by another program) during it; again`);
        attempt--;
        continue;
      }
      const foreignCpuPct = cpu.foreignPctSince(before, [servicePid]);
      const p95 = result.latency_ms.p95;
      passed = p95 < ADMISSION_P95_MS && result.error_rate <= MAX_ERROR_RATE;
      log(
        `sweep ${String(rate).padStart(4)} signups/s (try ${attempt}): p50 ${result.latency_ms.p50.toFixed(1)} p95 ${p95.toFixed(1)} ms, ` +
          `ok ${result.ok}/${result.scheduled}, ${passed ? "under" : "OVER"} 100 ms`,
      );
      const beforeHash = cpu.snapshot([servicePid]);
      const hash = await pacedHash(rate);
      const hashAlone = { ...hash, foreign_cpu_pct: cpu.foreignPctSince(beforeHash, [servicePid]) };
      log(
        `sweep ${String(rate).padStart(4)} hashes/s  (try ${attempt}): p50 ${hash.latency_ms.p50.toFixed(1)} p95 ${hash.latency_ms.p95.toFixed(1)} ms, ` +
          `done ${hash.completed}/${hash.scheduled} (the hash alone)`,
      );
      steps.push({ ...result, attempt, pass: passed, foreign_cpu_pct: foreignCpuPct, hash_alone: hashAlone });
    }
    if (passed) {
      bestRate = Math.max(bestRate, rate);
      continue;
    }
    // One step between the last rate that held and the first that did not, then stop.
    const mid = Math.round((bestRate + rate) / 2);
    if (bestRate > 0 && mid > bestRate && mid < rate && !bisected) {
      bisected = true;
      rates.splice(k + 1, rates.length, mid);
      continue;
    }
    break;
  }
  return { bestRate, steps, created };
}
