// Open-loop signup load at a fixed arrival rate, for the admission-control sweep.
// wrk is closed-loop (a slow answer delays the next request, hiding queueing: coordinated
// omission), so this sends request i at start + i/rate whatever is outstanding, and measures each
// latency from the request's SCHEDULED send time. Requests scheduled in the warm-up are sent but
// not counted. Every request has a unique email and Idempotency-Key (run tag + counter).
// Usage: bun bench/lib/paced.ts --url http://127.0.0.1:PORT --rate 40 --seconds 6 --warmup 1 --tag sweep40
// Prints one JSON line.
import { parseArgs } from "node:util";
import { percentile } from "./stats.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    rate: { type: "string" },
    seconds: { type: "string", default: "6" },
    warmup: { type: "string", default: "1" },
    tag: { type: "string", default: `paced-${Date.now()}` },
    "max-outstanding": { type: "string", default: "1000" },
    timeout: { type: "string", default: "10" },
  },
});
if (!values.url || !values.rate) throw new Error("--url and --rate are required");
const base = values.url;
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const maxOutstanding = Number(values["max-outstanding"]);
const timeoutMs = Number(values.timeout) * 1000;
const tag = values.tag;

const total = Math.round(rate * (warmup + seconds));
const warmupCount = Math.round(rate * warmup);
const latencies: number[] = [];
const statuses: Record<string, number> = {};
const ids: string[] = [];
let errors = 0;
let skipped = 0;
let outstanding = 0;
let maxSeen = 0;
let lateSends = 0;

async function send(i: number, scheduled: number) {
  const counted = i >= warmupCount;
  const key = `${tag}-${i}`;
  outstanding++;
  maxSeen = Math.max(maxSeen, outstanding);
  try {
    const response = await fetch(`${base}/signup`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({
        name: "Paced User",
        email: `${key}@bench.example.com`,
        password: "Velero-Azul-27",
        display_name: `Paced ${i}`,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const latency = performance.now() - scheduled;
    if (response.status === 201) ids.push((JSON.parse(text) as { id: string }).id);
    if (counted) {
      latencies.push(latency);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
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
  const scheduled = start + (i * 1000) / rate;
  const wait = scheduled - performance.now();
  if (wait > 1) await Bun.sleep(wait);
  else if (wait < -5) lateSends++;
  if (outstanding >= maxOutstanding) {
    if (i >= warmupCount) skipped++;
    continue;
  }
  inFlight.push(send(i, scheduled));
}
await Promise.all(inFlight);
latencies.sort((a, b) => a - b);
const measured = total - warmupCount;
const ok = statuses["201"] ?? 0;
console.log(
  JSON.stringify({
    rate,
    seconds,
    scheduled: measured,
    completed: latencies.length,
    ok,
    statuses,
    errors,
    skipped,
    error_rate: measured === 0 ? 0 : (measured - ok) / measured,
    achieved_rps: ok / seconds,
    latency_ms: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
    },
    max_outstanding: maxSeen,
    late_sends: lateSends,
    created: ids.length,
  }),
);
