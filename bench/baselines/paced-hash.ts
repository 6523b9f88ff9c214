// The admission sweep's limit: Bun.password.hash alone, open-loop at a fixed arrival rate, with
// the service's parameters (argon2id, ARGON2_MEMORY_COST=19456 KiB, ARGON2_TIME_COST=2 unless set)
// and its gate: at most HASH_CONCURRENCY hashes at once (the service's default, the number of
// cores), the rest queued in FIFO order by the service's own AdmissionGate, unbounded. As in
// bench/lib/paced.ts, hash i is scheduled at start + i/rate whatever is outstanding, its latency
// runs from that SCHEDULED time (queueing included), and hashes scheduled in the warm-up are run
// but not counted.
//
// Start it with MIMALLOC_PURGE_DELAY=1000, as the service binary sets for itself at start
// (src/allocator.ts): with Bun's mimalloc default of 100 ms, a hash thread idle for longer gives its
// 19 MiB back to the kernel and the next hash faults it all in again, so at sparse rates each hash
// costs about 3 times more than in the service. mimalloc reads it only when the process starts,
// so it cannot be set from here; this refuses to run without it (MIMALLOC_PURGE_DELAY=100 measures
// mimalloc's default).
// With `--arrivals FILE` (ms after the first, one per line), hash i is due at its recorded moment
// instead: the seed profile's own signup send times (bench/locustfile.py), replayed, are the limit
// of what its signups' latency can be with this hash, this gate and that arrival process.
// With `--poisson` and `--rate`, the gaps between hashes are drawn at random (exponential, mean
// 1/rate) instead: arrivals with no bursts beyond chance, to set beside the profile's own.
// Usage: MIMALLOC_PURGE_DELAY=1000 bun bench/baselines/paced-hash.ts --rate 40 --seconds 6 --warmup 1
//        MIMALLOC_PURGE_DELAY=1000 bun bench/baselines/paced-hash.ts --rate 18 --seconds 40 --poisson
//        MIMALLOC_PURGE_DELAY=1000 bun bench/baselines/paced-hash.ts --arrivals sends.txt
// Prints one JSON line, in the shape of bench/lib/paced.ts's.
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { AdmissionGate } from "../../src/users/admission-gate";
import { runOpenLoop, serviceArgon2 } from "../lib/open-loop.ts";
import { readArrivals } from "../lib/queue-model.ts";
import { groupThreads, POOL_HASH_THREADS, perEach, threadTimes } from "../lib/threads.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string" },
    seconds: { type: "string", default: "6" },
    warmup: { type: "string", default: "1" },
    arrivals: { type: "string" },
    poisson: { type: "boolean", default: false },
  },
});

/** Moments (ms after the first) of a Poisson stream at `rate` per second over `seconds`. */
function poissonOffsets(rate: number, seconds: number): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < seconds * 1000; at += (-Math.log(1 - Math.random()) * 1000) / rate) offsets.push(at);
  return offsets;
}

if (values.poisson && (!values.rate || values.arrivals)) throw new Error("--poisson needs --rate, and no --arrivals");
const offsetsMs = values.arrivals
  ? readArrivals(values.arrivals)
  : values.poisson
    ? poissonOffsets(Number(values.rate), Number(values.seconds))
    : undefined;
if (!values.rate && !offsetsMs?.length) throw new Error("--rate or a non-empty --arrivals file is required");
const purgeDelay = process.env.MIMALLOC_PURGE_DELAY;
if (purgeDelay === undefined) throw new Error("start with MIMALLOC_PURGE_DELAY=1000, as the service runs (see the comment at the top)");
const seconds = offsetsMs ? (offsetsMs.at(-1) ?? 0) / 1000 : Number(values.seconds);
const rate = offsetsMs ? offsetsMs.length / seconds : Number(values.rate);
const warmup = offsetsMs ? 0 : Number(values.warmup);

const algorithm = serviceArgon2();
const concurrency = Number(process.env.HASH_CONCURRENCY ?? availableParallelism());
const gate = new AdmissionGate(concurrency, Number.POSITIVE_INFINITY);

let hashesRun = 0;
const result = await runOpenLoop({ rate, seconds, warmup, offsetsMs }, async (i) => {
  await gate.run(() => Bun.password.hash(`S3guro!${i}-${Math.random().toString(36).slice(2)}`, algorithm));
  hashesRun++;
  return true;
});
// Every hash this process ran (the warm-up's too): its pool threads' time on a core and waiting for one, per hash.
const hashThreads = perEach(groupThreads(threadTimes(process.pid))[POOL_HASH_THREADS], hashesRun);
console.log(
  JSON.stringify({ ...result, algorithm, concurrency, mimalloc_purge_delay_ms: Number(purgeDelay), hash_threads_per_hash: hashThreads }),
);
