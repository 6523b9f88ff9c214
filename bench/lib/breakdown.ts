// The signup's time taken apart by the service's own instrumentation: `request_step_duration_seconds`
// (every named step: validation, the idempotency claim, the duplicate check, the hash, each
// statement), `password_hash_wait_seconds` (the wait for a hashing slot), the whole request as the
// service timed it (`http_request_duration_seconds` of its 201s) and the event loop's delay,
// scraped from /metrics before and after a load and differenced, so only that load counts.

type Buckets = Map<number, number>;
type Histograms = Map<string, Buckets>;

/** The row of the hash itself, from `password_hash_duration_seconds`: one per hash run. */
export const HASH_WORKER_STEP = "hash (worker)";
/**
 * The row of a created user's whole request, from its parse hook to its answer handed back: what
 * the load generator measures beyond it is the socket, the kernel and the generator itself.
 */
export const SIGNUP_REQUEST_STEP = "POST /signup 201 (the service's own timing)";

const BUCKET_LINE =
  /^(request_step_duration_seconds|password_hash_wait_seconds|password_hash_duration_seconds|http_request_duration_seconds)_bucket\{([^}]*)\} (\d+(?:\.\d+)?)$/;
/** One label's value; prom-client writes `le` first, then the metric's own labels. */
const label = (labels: string, name: string) => new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1];

export interface Scrape {
  histograms: Histograms;
  eventLoopP99Ms?: number;
  eventLoopMaxMs?: number;
}

/** The histogram row a bucket line belongs to, or undefined for a series the breakdown does not show. */
function rowOf(metric: string, labels: string): string | undefined {
  switch (metric) {
    case "request_step_duration_seconds":
      return label(labels, "step");
    case "password_hash_wait_seconds":
      return "hash wait (gate)";
    case "password_hash_duration_seconds":
      return HASH_WORKER_STEP;
    default:
      return label(labels, "method") === "POST" && label(labels, "route") === "/signup" && label(labels, "status") === "201"
        ? SIGNUP_REQUEST_STEP
        : undefined;
  }
}

export async function scrapeSteps(url: string): Promise<Scrape> {
  return parseSteps(await (await fetch(`${url}/metrics`)).text());
}

/** The breakdown's histograms and the event loop's delay, from one /metrics text. */
export function parseSteps(text: string): Scrape {
  const histograms: Histograms = new Map();
  let eventLoopP99Ms: number | undefined;
  let eventLoopMaxMs: number | undefined;
  for (const line of text.split("\n")) {
    const bucket = BUCKET_LINE.exec(line);
    if (bucket) {
      const [, metric = "", labels = "", count] = bucket;
      const name = rowOf(metric, labels);
      if (name === undefined) continue;
      const le = label(labels, "le");
      const buckets = histograms.get(name) ?? new Map<number, number>();
      buckets.set(le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), Number(count));
      histograms.set(name, buckets);
      continue;
    }
    if (line.startsWith("nodejs_eventloop_lag_p99_seconds ")) eventLoopP99Ms = Number(line.split(" ")[1]) * 1000;
    if (line.startsWith("nodejs_eventloop_lag_max_seconds ")) eventLoopMaxMs = Number(line.split(" ")[1]) * 1000;
  }
  return { histograms, eventLoopP99Ms, eventLoopMaxMs };
}

/** A quantile from cumulative bucket counts, interpolated linearly inside its bucket (as PromQL does). */
function quantile(buckets: [number, number][], q: number): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return previousLe * 1000;
      const share = count === previousCount ? 0 : (rank - previousCount) / (count - previousCount);
      return (previousLe + (le - previousLe) * share) * 1000;
    }
    previousLe = le;
    previousCount = count;
  }
  return previousLe * 1000;
}

export interface StepRow {
  step: string;
  count: number;
  p50_ms?: number;
  p95_ms?: number;
}

/** P50 and P95 of each step during the load between two scrapes (ms), most time first. */
export function stepBreakdown(before: Scrape, after: Scrape): { steps: StepRow[]; event_loop_p99_ms?: number; event_loop_max_ms?: number } {
  const steps: StepRow[] = [];
  for (const [step, buckets] of after.histograms) {
    const earlier = before.histograms.get(step);
    const delta = [...buckets].map(([le, count]) => [le, count - (earlier?.get(le) ?? 0)] as [number, number]).sort(([a], [b]) => a - b);
    const count = delta.at(-1)?.[1] ?? 0;
    if (count === 0) continue;
    steps.push({ step, count, p50_ms: quantile(delta, 0.5), p95_ms: quantile(delta, 0.95) });
  }
  steps.sort((a, b) => (b.p95_ms ?? 0) - (a.p95_ms ?? 0));
  // prom-client resets the event-loop histogram at each scrape: the second scrape covers the load alone.
  return { steps, event_loop_p99_ms: after.eventLoopP99Ms, event_loop_max_ms: after.eventLoopMaxMs };
}
