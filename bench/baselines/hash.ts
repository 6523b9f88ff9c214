// The limit for POST /signup: Bun.password.hash alone, with the service's parameters
// (argon2id, ARGON2_MEMORY_COST=19456 KiB, ARGON2_TIME_COST=2 unless set), at a given concurrency.
// Prints one JSON line: hashes/s and latency percentiles over the measured window, and the
// times of `--single` sequential hashes (concurrency 1) with their median.
// Usage: bun bench/baselines/hash.ts --concurrency 8 --seconds 6 --warmup 1 --single 15
import { parseArgs } from "node:util";
import { serviceArgon2 } from "../lib/open-loop.ts";
import { percentile } from "../lib/stats.ts";

const { values } = parseArgs({
  options: {
    concurrency: { type: "string", default: "8" },
    seconds: { type: "string", default: "6" },
    warmup: { type: "string", default: "1" },
    single: { type: "string", default: "15" },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const singles = Number(values.single);

const algorithm = serviceArgon2();

let n = 0;
const password = () => `S3guro!${++n}-${Math.random().toString(36).slice(2)}`;

// Sequential single hashes first (after two warm-ups): the time of one hash with nothing else running.
await Bun.password.hash(password(), algorithm);
await Bun.password.hash(password(), algorithm);
const single: number[] = [];
for (let i = 0; i < singles; i++) {
  const started = performance.now();
  await Bun.password.hash(password(), algorithm);
  single.push(performance.now() - started);
}

// Closed loop: `concurrency` workers, each hashing back to back, like `concurrency` connections.
const latencies: number[] = [];
const start = performance.now();
const measureFrom = start + warmup * 1000;
const end = measureFrom + seconds * 1000;
async function worker() {
  while (performance.now() < end) {
    const started = performance.now();
    await Bun.password.hash(password(), algorithm);
    const finished = performance.now();
    if (started >= measureFrom && finished <= end) latencies.push(finished - started);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
latencies.sort((a, b) => a - b);
const singleSorted = [...single].sort((a, b) => a - b);

console.log(
  JSON.stringify({
    algorithm,
    concurrency,
    seconds,
    hashes: latencies.length,
    rps: latencies.length / seconds,
    latency_ms: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1),
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    },
    single_ms: { median: percentile(singleSorted, 50), min: singleSorted[0], max: singleSorted.at(-1), samples: single },
  }),
);
