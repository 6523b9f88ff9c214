// The open-loop schedule shared by the admission sweep's two sides (bench/lib/paced.ts, the
// service; bench/baselines/paced-hash.ts, the hash alone): request i is due at start + i/rate
// whatever is outstanding, and its latency runs from that SCHEDULED time, so queueing counts
// (no coordinated omission). Requests due in the warm-up run but are not counted. Or, given
// `offsetsMs`, request i is due at start + offsetsMs[i]: a recorded arrival process replayed.
import { percentile } from "./stats.ts";

export interface OpenLoopOptions {
  rate: number;
  seconds: number;
  warmup: number;
  /** Past this many outstanding, a due request is skipped (counted as such) instead of sent. */
  maxOutstanding?: number;
  /** When each request is due, in ms after the start (ascending), instead of every 1/rate s; give `warmup` 0 with it. */
  offsetsMs?: number[];
}

/** `send(i, counted)` resolves to whether request i succeeded; a rejection counts as an error. */
export async function runOpenLoop(options: OpenLoopOptions, send: (i: number, counted: boolean) => Promise<boolean>) {
  const { rate, seconds, warmup, maxOutstanding = Number.POSITIVE_INFINITY, offsetsMs } = options;
  const dueMs = offsetsMs ?? Array.from({ length: Math.round(rate * (warmup + seconds)) }, (_, i) => (i * 1000) / rate);
  const total = dueMs.length;
  const warmupCount = Math.round(rate * warmup);
  const latencies: number[] = [];
  let succeeded = 0;
  let errors = 0;
  let skipped = 0;
  let outstanding = 0;
  let maxSeen = 0;
  let lateSends = 0;

  async function run(i: number, scheduled: number) {
    const counted = i >= warmupCount;
    outstanding++;
    maxSeen = Math.max(maxSeen, outstanding);
    try {
      const ok = await send(i, counted);
      if (counted) {
        latencies.push(performance.now() - scheduled);
        if (ok) succeeded++;
      }
    } catch {
      if (counted) errors++;
    } finally {
      outstanding--;
    }
  }

  const start = performance.now() + 50;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = start + dueMs[i]!;
    const wait = scheduled - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    else if (wait < -5) lateSends++;
    if (outstanding >= maxOutstanding) {
      if (i >= warmupCount) skipped++;
      continue;
    }
    inFlight.push(run(i, scheduled));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const measured = total - warmupCount;
  return {
    rate,
    seconds,
    scheduled: measured,
    completed: latencies.length,
    errors,
    skipped,
    error_rate: measured === 0 ? 0 : (measured - succeeded) / measured,
    achieved_rps: succeeded / seconds,
    latency_ms: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
    },
    max_outstanding: maxSeen,
    late_sends: lateSends,
  };
}

/** The service's hash parameters (argon2id; ARGON2_MEMORY_COST and ARGON2_TIME_COST as the service reads them). */
export function serviceArgon2() {
  return {
    algorithm: "argon2id" as const,
    memoryCost: Number(process.env.ARGON2_MEMORY_COST ?? 19456),
    timeCost: Number(process.env.ARGON2_TIME_COST ?? 2),
  };
}
