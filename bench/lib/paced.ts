// Open-loop signup load at a fixed arrival rate, for the admission-control sweep.
// wrk is closed-loop (a slow answer delays the next request, hiding queueing: coordinated
// omission), so this sends request i at start + i/rate whatever is outstanding, and measures each
// latency from the request's SCHEDULED send time. Requests scheduled in the warm-up are sent but
// not counted. Every request has a unique email and Idempotency-Key (run tag + counter).
// Usage: bun bench/lib/paced.ts --url http://127.0.0.1:PORT --rate 40 --seconds 6 --warmup 1 --tag sweep40
// Prints one JSON line.
import { parseArgs } from "node:util";
import { runOpenLoop } from "./open-loop.ts";

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

const ids: string[] = [];
const statuses: Record<string, number> = {};
const result = await runOpenLoop({ rate, seconds, warmup, maxOutstanding }, async (i, counted) => {
  const key = `${tag}-${i}`;
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
  if (response.status === 201) ids.push((JSON.parse(text) as { id: string }).id);
  if (counted) statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  return response.status === 201;
});
console.log(JSON.stringify({ ...result, ok: statuses["201"] ?? 0, statuses, created: ids.length }));
