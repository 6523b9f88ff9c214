// Read-your-writes through a replica: signups each followed at once by GET of their Location, and
// where the service says its reads went (`user_reads_total{database,reason}` on /metrics).
import { postSignup, signupJson } from "./service.ts";
import { round, sum } from "./stats.ts";

/** `user_reads_total` by "database/reason". */
export type ReadCounts = Record<string, number>;

export async function readCounts(url: string): Promise<ReadCounts> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const counts: ReadCounts = {};
  for (const match of text.matchAll(/^user_reads_total\{database="(\w+)",reason="(\w+)"\} (\d+)$/gm)) {
    counts[`${match[1]}/${match[2]}`] = Number(match[3]);
  }
  return counts;
}

export interface ReadsSince {
  /** Reads per "database/reason" since the snapshot. */
  counts: ReadCounts;
  total: number;
  primary: number;
  /** Share of those reads the primary answered, in % (NaN when there were none). */
  primary_share_pct: number;
}

export function readsSince(before: ReadCounts, after: ReadCounts): ReadsSince {
  const counts: ReadCounts = {};
  for (const [label, n] of Object.entries(after)) {
    const delta = n - (before[label] ?? 0);
    if (delta > 0) counts[label] = delta;
  }
  const total = sum(Object.values(counts));
  const primary = sum(Object.entries(counts).map(([label, n]) => (label.startsWith("primary/") ? n : 0)));
  return { counts, total, primary, primary_share_pct: total ? round((100 * primary) / total, 2) : NaN };
}

export interface ReadYourWrites {
  signups: number;
  created: number;
  /** Reads right after a 201 that did not answer 200 (the user was not found, or an error). */
  stale: number;
  /** Reads that answered 200 with another id than the one created (must never happen). */
  wrong_row: number;
  read_statuses: Record<string, number>;
  /** Where the reads right after the 201s went. */
  reads_after_signup: ReadsSince;
  /** The same users read once more, `settle_ms` later: steady state. */
  reads_later: ReadsSince;
  settle_ms: number;
}

/**
 * `count` signups from `clients` concurrent clients, each followed at once by GET of its
 * Location; then, once the replica has had `settleMs`, every created user read once more.
 */
export async function signUpThenRead(url: string, count: number, clients: number, tag: string, settleMs: number): Promise<ReadYourWrites> {
  const ids: string[] = [];
  const readStatuses: Record<string, number> = {};
  let next = 0;
  let stale = 0;
  let wrongRow = 0;
  const before = await readCounts(url);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const i = next++;
        const created = await postSignup(url, `ryw-${tag}-${i}`, signupJson(`RYW ${i}`, `ryw-${tag}-${i}`));
        const user = (await created.json()) as { id?: string };
        const location = created.headers.get("location");
        if (created.status !== 201 || !user.id || !location) continue;
        ids.push(user.id);
        const read = await fetch(`${url}${location}`, { signal: AbortSignal.timeout(10_000) });
        readStatuses[read.status] = (readStatuses[read.status] ?? 0) + 1;
        if (read.status !== 200) {
          stale++;
          await read.body?.cancel();
        } else if (((await read.json()) as { id?: string }).id !== user.id) wrongRow++;
      }
    }),
  );
  const afterSignups = await readCounts(url);
  await Bun.sleep(settleMs);
  for (const id of ids) await (await fetch(`${url}/users/${id}`, { signal: AbortSignal.timeout(10_000) })).body?.cancel();
  return {
    signups: count,
    created: ids.length,
    stale,
    wrong_row: wrongRow,
    read_statuses: readStatuses,
    reads_after_signup: readsSince(before, afterSignups),
    reads_later: readsSince(afterSignups, await readCounts(url)),
    settle_ms: settleMs,
  };
}
