// What an arrival process alone makes of a hash: the recorded signup send times run through a
// model of the service's gate (`servers` hashing slots, FIFO) where every hash takes exactly
// `hashMs` and nothing else costs anything: the tail that queueing at those arrivals makes by
// itself, before the hash's own spread, the cores it shares and the statements around it.
import { readFileSync } from "node:fs";
import { percentile } from "./stats.ts";

/** Moments (ms after the first) from a file of one per line, as bench/locustfile.py writes them. */
export function readArrivals(file: string): number[] {
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
}

/** Each arrival (ms) with its latency (ms, from its moment to its hash's end), in arrival order. */
export function constantHashQueue(arrivalsMs: number[], hashMs: number, servers: number) {
  if (!(hashMs > 0) || !Number.isInteger(servers) || servers < 1) throw new Error(`no queue with hash ${hashMs} ms and ${servers} servers`);
  const freeAt = Array<number>(servers).fill(-Infinity);
  return [...arrivalsMs]
    .sort((a, b) => a - b)
    .map((arrivalMs) => {
      let slot = 0;
      for (let s = 1; s < servers; s++) if (freeAt[s]! < freeAt[slot]!) slot = s;
      const doneMs = Math.max(arrivalMs, freeAt[slot]!) + hashMs;
      freeAt[slot] = doneMs;
      return { arrivalMs, latencyMs: doneMs - arrivalMs };
    });
}

export interface QueueModel {
  hash_ms: number;
  servers: number;
  arrivals: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /** P95 in hashes: the ratio the profile's signup P95 is held to, with nothing but queueing in it. */
  p95_hashes: number;
  /**
   * Only the arrivals from `after_ms` (after the first) on, each still queued behind those before
   * it: the tail once the users' start, which sends a batch of them at once, has spread out.
   */
  settled: { after_ms: number; arrivals: number; p95_ms: number; p95_hashes: number };
}

export function queueModel(arrivalsMs: number[], hashMs: number, servers: number, settledAfterMs: number): QueueModel {
  const queue = constantHashQueue(arrivalsMs, hashMs, servers);
  const ascending = (rows: typeof queue) => rows.map((row) => row.latencyMs).sort((a, b) => a - b);
  const all = ascending(queue);
  const settledFrom = (queue[0]?.arrivalMs ?? 0) + settledAfterMs;
  const settled = ascending(queue.filter((row) => row.arrivalMs >= settledFrom));
  const p95 = percentile(all, 95);
  const settledP95 = percentile(settled, 95);
  return {
    hash_ms: hashMs,
    servers,
    arrivals: all.length,
    p50_ms: percentile(all, 50),
    p95_ms: p95,
    p99_ms: percentile(all, 99),
    p95_hashes: p95 / hashMs,
    settled: { after_ms: settledAfterMs, arrivals: settled.length, p95_ms: settledP95, p95_hashes: settledP95 / hashMs },
  };
}
