// The run's outputs: results/<stamp>.json (everything), .svg (chart.py), .md (the tables), and the
// "Latest run" section of bench/README.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PacedHashResult, SweepStep } from "./admission.ts";
import type { stepBreakdown } from "./breakdown.ts";
import { BENCH_DIR, type CFG, FLOORS, NOISY_FOREIGN_CPU_PCT, TARGETS } from "./config.ts";
import type { DatabaseChecks } from "./database.ts";
import type { ReportRows } from "./floors.ts";
import type { LocustMeasurement, LocustResult } from "./locust.ts";
import { log } from "./log.ts";
import type { MachineInfo } from "./machine.ts";
import type { Measurement } from "./measurement.ts";
import type { PgliteStarts } from "./pglite-starts.ts";
import { run } from "./process.ts";
import type { QueueModel } from "./queue-model.ts";
import type { DiscardedRound, RoundKey } from "./rounds.ts";
import { median } from "./stats.ts";
import type { ThreadTimes } from "./threads.ts";

export interface Results {
  started_at: string;
  finished_at: string;
  machine: MachineInfo;
  config: typeof CFG & {
    binary: string;
    tool: string;
    signup_tool: string;
    hash: { algorithm: string; memoryCost: number; timeCost: number };
  };
  foreign_cpu_pct_at_start: number;
  noisy: boolean;
  /** The two /health baselines beside raw Bun.serve are absent in results from before they were measured. */
  rounds: Record<Exclude<RoundKey, "elysiaHealth" | "rawHealthHeaders">, Measurement[]> & {
    elysiaHealth?: Measurement[];
    rawHealthHeaders?: Measurement[];
  };
  /** Median rounds: bare Elysia's /health, and raw Bun.serve's with the contract's three headers. */
  elysia_health?: Measurement;
  raw_health_headers?: Measurement;
  discarded_rounds: DiscardedRound[];
  rows: ReportRows;
  /** `used`, the fastest of the three medians, is what the profile's signups are judged against. */
  single_hash_ms: { median: number; samples: number[]; before_profile: number; after_profile: number; used: number };
  admission: { highest_rate_p95_under_100ms: number; hash_alone_rps: number; sweep: SweepStep[] };
  locust: {
    all: LocustMeasurement;
    signup: LocustMeasurement;
    health: LocustMeasurement;
    exit_code: number;
    breakdown: ReturnType<typeof stepBreakdown>;
    /** Absent in results from before it was measured. */
    threads?: LocustResult["threads"];
    /** Absent in results from before it was measured. */
    hash_alone_at_signup_sends?: PacedHashResult;
    /** Absent in results from before it was computed. */
    queue_model?: QueueModel;
  };
  database: DatabaseChecks;
  rss_mb: number;
  rss_peak_mb: number;
  /** Read 3 s after the run; absent in results from before it was measured. */
  rss_at_rest_mb?: number;
  pglite_starts: PgliteStarts;
  service_log: { lines: number; levels: Record<string, number>; warnings: string[] };
  floors: Record<"get" | "health" | "signup" | "replay" | "locust_all" | "locust_signup" | "rss", boolean>;
}

export const fixed = (x: number | undefined, digits = 1) => (x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : "");
const verdict = (pass: boolean | undefined) => (pass === undefined ? "" : pass ? "**PASS**" : "**FAIL**");
export const tableRow = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;

/** Issue 14's acceptance table: each figure from this run against its floor and aim. */
function targetsTable(r: Results) {
  const [health, get, signup, replay, locustAll, locustSignup] = r.rows;
  const figures: Record<(typeof TARGETS)[number]["key"], number | undefined> = {
    health: health.ratio,
    get: get.ratio,
    signup: signup.ratio,
    replay: replay.ratio,
    locustAllP95: locustAll.service.p95,
    locustSignupHashes: locustSignup.service.p95 / r.single_hash_ms.used,
    rss: r.rss_mb,
  };
  const lines = ["| measurement | figure | floor | aim | result |", "| --- | ---: | ---: | ---: | --- |"];
  for (const target of TARGETS) {
    const figure = figures[target.key];
    const meets = (bound: number | undefined) =>
      bound !== undefined && figure !== undefined && (target.higherIsBetter ? figure >= bound : figure <= bound);
    const result = meets(target.aim) ? "aim met" : meets(target.floor) ? "floor met" : "**missed**";
    const sign = target.higherIsBetter ? ">=" : "<=";
    lines.push(
      tableRow([
        target.measurement,
        fixed(figure, 2),
        `${sign} ${target.floor}`,
        target.aim === undefined ? "" : `${sign} ${target.aim}`,
        result,
      ]),
    );
  }
  return lines;
}

/** Median over rounds of `a[i] / b[i]`: both measured in the same round, so drift between rounds cancels. */
function pairedRatio(a: Measurement[], b: Measurement[]) {
  return median(a.map((m, i) => m.rps / (b[i]?.rps ?? Number.NaN)));
}

/**
 * A hash's wall time split into its threads' time on a core and waiting for one, in the service
 * under the profile and alone at the same send times: whether the hash itself slowed or its cores were taken.
 */
function threadsParagraph(r: Results) {
  const threads = r.locust.threads;
  const inService = threads?.hash_threads;
  if (!threads || !inService) return undefined;
  const times = (t: ThreadTimes) =>
    `${fixed(t.run_ms)} ms on a core and ${fixed(t.wait_ms)} ms runnable but waiting for one, over ${fixed(t.slices, 1)} turns`;
  const alone = r.locust.hash_alone_at_signup_sends?.hash_threads_per_hash;
  const eventLoop = threads.event_loop;
  return (
    `Per hash, from each thread's \`schedstat\`: under the profile the service's hash threads spent ${times(inService)}` +
    (alone ? `; the hash alone at the same send times, ${times(alone)}` : "") +
    `. The event loop, per signup hashed: ${eventLoop ? times(eventLoop) : "not read"} (${threads.hashes} hashes).`
  );
}

/** Where /health's gap to raw Bun.serve goes; undefined for results from before bare Elysia was measured. */
function healthSplit(r: Results) {
  const { health, rawHealth, elysiaHealth, rawHealthHeaders } = r.rounds;
  if (!elysiaHealth) return undefined;
  return {
    headersOfRaw: rawHealthHeaders && pairedRatio(rawHealthHeaders, rawHealth),
    elysiaOfRaw: pairedRatio(elysiaHealth, rawHealth),
    serviceOfElysia: pairedRatio(health, elysiaHealth),
  };
}

/** The answering server's CPU per request, service against its limit, medians over rounds; absent in results from before it was measured. */
function cpuTable(r: Results) {
  const cpuOf = (ms: Measurement[] | undefined) => {
    const values = (ms ?? []).flatMap((m) => (m.server_cpu_us_per_request === undefined ? [] : [m.server_cpu_us_per_request]));
    return values.length ? median(values) : undefined;
  };
  const pairs: Array<[string, Measurement[] | undefined, string, Measurement[] | undefined]> = [
    ["GET /health", r.rounds.health, "raw Bun.serve JSON", r.rounds.rawHealth],
    ["GET /health", r.rounds.health, "raw Bun.serve JSON with the contract's three headers", r.rounds.rawHealthHeaders],
    ["GET /health", r.rounds.health, "Elysia alone, the service's /health route", r.rounds.elysiaHealth],
    ["GET /users/{id}", r.rounds.get, "raw Bun.serve + postgres.js", r.rounds.rawGet],
    ["POST /signup replay", r.rounds.replay, "GET /users/{id} (service)", r.rounds.get],
  ];
  const rows = pairs.flatMap(([service, serviceRounds, limit, limitRounds]) => {
    const serviceUs = cpuOf(serviceRounds);
    const limitUs = cpuOf(limitRounds);
    if (serviceUs === undefined || limitUs === undefined) return [];
    return [tableRow([service, fixed(serviceUs), limit, fixed(limitUs), fixed(limitUs / serviceUs, 2), fixed(serviceUs - limitUs)])];
  });
  const signupUs = cpuOf(r.rounds.signup);
  if (!rows.length) return [];
  return [
    "",
    "CPU time (user and system) of the answering process per request, from `/proc/<pid>/stat` over each measured window, median over rounds " +
      "(PostgreSQL's backends are not in it; the same database serves both sides):",
    "",
    "| service | CPU us/request | limit | CPU us/request | limit / service | service - limit (us) |",
    "| --- | ---: | --- | ---: | ---: | ---: |",
    ...rows,
    ...(signupUs === undefined
      ? []
      : [
          "",
          `A unique signup: ${fixed(signupUs)} us of the service's CPU, against one hash alone of ${fixed(r.single_hash_ms.median * 1000)} us of wall time ` +
            "(argon2id with one lane runs on one thread, so its CPU is about its wall time).",
        ]),
  ];
}

function limitsTable(r: Results) {
  const [health, get, signup] = r.rows;
  const limit = (name: string, m: Measurement | undefined) =>
    tableRow([name, fixed(m?.rps), fixed(m?.p50, 2), fixed(m?.p95, 2), fixed(m?.p99, 2), (m?.rounds_rps ?? []).join(", ")]);
  return [
    "| limit | throughput | P50 ms | P95 ms | P99 ms | rounds (req/s) |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    limit("raw Bun.serve JSON", health.limitValue),
    ...(r.raw_health_headers ? [limit("raw Bun.serve JSON with the contract's three headers", r.raw_health_headers)] : []),
    ...(r.elysia_health ? [limit("Elysia alone, the service's /health route and nothing else", r.elysia_health)] : []),
    limit("raw Bun.serve + postgres.js", get.limitValue),
    limit(`Bun.password.hash, concurrency ${r.config.signupConnections}`, signup.limitValue),
    `| one hash alone (sequential), median of ${r.single_hash_ms.samples.length} | | ${fixed(r.single_hash_ms.median, 2)} | | | |`,
    `| one hash alone, right before / after the seed profile (the fastest of the three is the profile's yardstick) | | ${fixed(r.single_hash_ms.before_profile, 2)} / ${fixed(r.single_hash_ms.after_profile, 2)} | | | |`,
  ];
}

function sweepTable(sweep: SweepStep[]) {
  const lines = [
    "| rate (signups/s) | try | 201 / scheduled | P50 ms | P95 ms | P99 ms | hash-alone P50 ms | hash-alone P95 ms | service P95 / hash-alone P95 | other statuses | P95 < 100 ms |",
    "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const s of sweep) {
    const otherStatuses = Object.entries(s.statuses)
      .filter(([status]) => status !== "201")
      .map(([status, n]) => `${status}: ${n}`)
      .join(", ");
    const other = otherStatuses + (s.errors ? ` errors: ${s.errors}` : "");
    const { p50, p95, p99 } = s.latency_ms;
    const hash = s.hash_alone.latency_ms;
    lines.push(
      tableRow([
        s.rate,
        s.attempt,
        `${s.ok} / ${s.scheduled}`,
        fixed(p50),
        fixed(p95),
        fixed(p99),
        fixed(hash.p50),
        fixed(hash.p95),
        fixed(p95 / hash.p95, 2),
        other,
        s.pass ? "yes" : "no",
      ]),
    );
  }
  return lines;
}

function pgliteStartsTable(starts: PgliteStarts) {
  const row = (name: string, start: PgliteStarts["first"]) =>
    tableRow([name, fixed(start.peak_mb), fixed(start.rss_mb), fixed(start.ready_s, 2)]);
  return [
    "The binary on the embedded database (no `DATABASE_URL`), before the run, read when `/ready` first answered 200:",
    "",
    "| PGlite start | peak (VmHWM) MB | RSS after ready MB | time to ready s |",
    "| --- | ---: | ---: | ---: |",
    row("first: an empty `DATA_DIR`", starts.first),
    row("second: the same folder", starts.second),
  ];
}

function markdown(r: Results, svgName: string) {
  const m = r.machine;
  const c = r.config;
  const lines = [
    `# signup-service bench, ${r.started_at}`,
    "",
    `Machine: ${m.nproc} cores, ${m.cpu_model}, ${m.memory_gb} GB, Linux ${m.kernel}, Bun ${m.bun}. ` +
      `Load generator: ${c.tool} (signups: wrk + Lua), ${c.httpConnections} connections (signup ${c.signupConnections}), ` +
      `${c.seconds} s measured after ${c.warmup} s warm-up, ${c.rounds} rounds alternating service and limit; the median round is shown.`,
  ];
  if (r.noisy || r.foreign_cpu_pct_at_start >= NOISY_FOREIGN_CPU_PCT) {
    lines.push(
      "",
      `> Warning: other processes used >= ${NOISY_FOREIGN_CPU_PCT}% of the machine during some measurements (see "foreign CPU"); ratios are A/B-alternated but less trustworthy.`,
    );
  }
  lines.push(
    "",
    "| scenario | throughput (req/s) | P50 ms | P95 ms | P99 ms | limit | limit req/s | ratio | floor | result |",
    "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |",
  );
  for (const row of r.rows) {
    const s = row.service;
    lines.push(
      tableRow([
        row.scenario,
        fixed(s.rps),
        fixed(s.p50, 2),
        fixed(s.p95, 2),
        fixed(s.p99, 2),
        row.limit,
        fixed(row.limitValue?.rps),
        row.ratio ?? "",
        row.floor ?? "",
        verdict(row.pass),
      ]),
    );
  }
  lines.push(`| RSS after the run | | | | | | | | <= ${FLOORS.rssMb} MB: ${fixed(r.rss_mb)} MB | ${verdict(r.floors.rss)} |`);
  lines.push("", "The performance issue's acceptance (issue 14), same run:", "", ...targetsTable(r));
  const atSends = r.locust.hash_alone_at_signup_sends;
  if (atSends) {
    const { p50, p95, p99 } = atSends.latency_ms;
    lines.push(
      "",
      `The same arrival process without the service: the profile's ${atSends.scheduled} signup send times replayed to ` +
        `Bun.password.hash alone (\`paced-hash.ts --arrivals\`, at most ${atSends.concurrency} at once as in the service, nothing else running, ` +
        `latency from each recorded moment): P50 ${fixed(p50)}, P95 ${fixed(p95)}, P99 ${fixed(p99)} ms, a P95 of ` +
        `${fixed(p95 / r.single_hash_ms.used, 2)} hashes alone by itself. The service's signup P95 is ${fixed(r.locust.signup.p95)} ms, ` +
        `${fixed(r.locust.signup.p95 / p95, 2)} of it.`,
    );
  }
  const threadLine = threadsParagraph(r);
  if (threadLine) lines.push("", threadLine);
  const queue = r.locust.queue_model;
  if (queue)
    lines.push(
      "",
      `Queueing alone at those moments (\`bench/lib/queue-model.ts\`): through ${queue.servers} hashing slots where every hash takes ` +
        `exactly one hash alone (${fixed(queue.hash_ms)} ms) and nothing else costs anything, the ${queue.arrivals} signups take ` +
        `P50 ${fixed(queue.p50_ms)}, P95 ${fixed(queue.p95_ms)}, P99 ${fixed(queue.p99_ms)} ms: a P95 of ${fixed(queue.p95_hashes, 2)} hashes, ` +
        `what queueing at these arrivals costs by itself. Counting only the ${queue.settled.arrivals} sent ` +
        `from ${fixed(queue.settled.after_ms / 1000, 0)} s on, once Locust's start, a batch of users at a time, has spread out: ` +
        `${fixed(queue.settled.p95_hashes, 2)} hashes.`,
    );
  lines.push("", "The limits, same run:", "", ...limitsTable(r), ...cpuTable(r));
  const split = healthSplit(r);
  if (split) {
    const headersShare =
      split.headersOfRaw === undefined
        ? ""
        : `raw Bun.serve answering with the contract's three headers keeps ${fixed(split.headersOfRaw, 2)} of it (what those headers cost Bun itself); `;
    lines.push(
      "",
      `GET /health split, each figure the median over rounds of two measurements made in the same round (this machine's speed drifts between rounds): ` +
        `against raw Bun.serve JSON, ${headersShare}bare Elysia keeps ${fixed(split.elysiaOfRaw, 2)} (the framework's share); ` +
        `the service keeps ${fixed(split.serviceOfElysia, 2)} of bare Elysia (what the service adds on every request: ` +
        "the request and correlation ids with the three headers, the HTTP metrics).",
    );
  }
  lines.push(
    "",
    "Service rounds (req/s), the answering process's CPU per request, and CPU used by other processes meanwhile (% of the machine), and of that the hypervisor's steal (cores taken by other machines on the host):",
    "",
    "| measurement | rounds (req/s) | server CPU us/request | foreign CPU % | of it, steal % |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const [name, ms] of Object.entries(r.rounds)) {
    lines.push(
      tableRow([
        name,
        ms.map((x) => fixed(x.rps)).join(", "),
        ms.map((x) => fixed(x.server_cpu_us_per_request)).join(", "),
        ms.map((x) => x.foreign_cpu_pct).join(", "),
        ms.map((x) => x.steal_cpu_pct ?? "").join(", "),
      ]),
    );
  }
  if (r.discarded_rounds.length) {
    lines.push(
      "",
      `Rounds done again because other processes were busy: ${r.discarded_rounds.map((d) => `${d.round} (${d.reason})`).join("; ")}.`,
    );
  }
  const { breakdown } = r.locust;
  lines.push(
    "",
    "The seed profile's signups taken apart by the service's own instrumentation (`request_step_duration_seconds`, " +
      "`password_hash_wait_seconds`, and `http_request_duration_seconds` for the whole of each 201 from its parse hook to its answer; steps nest: `signup.persist` holds its `db` statement, `password.hash` its wait and the hash, `idempotency.lookup` and `idempotency.claim` their statements; the duplicate check and the hash start before the claim and overlap it; each quantile is interpolated inside its histogram bucket, as PromQL does, so it is as precise as the buckets: 5 ms apart from 10 to 50 ms, finer below):",
    "",
    "| step | count | P50 ms | P95 ms |",
    "| --- | ---: | ---: | ---: |",
    ...breakdown.steps.map((step) => tableRow([step.step, String(step.count), fixed(step.p50_ms, 2), fixed(step.p95_ms, 2)])),
    "",
    `Event-loop delay during the profile: P99 ${fixed(breakdown.event_loop_p99_ms, 1)} ms, max ${fixed(breakdown.event_loop_max_ms, 1)} ms. ` +
      "GC pauses: Bun exposes no GC timing to prom-client, so none are shown." +
      (r.locust.all.steal_cpu_pct === undefined
        ? ""
        : ` Meanwhile, CPU used outside the bench: ${r.locust.all.foreign_cpu_pct} % of the machine, ${r.locust.all.steal_cpu_pct} % of it the hypervisor's steal.`),
  );
  const hashAlone = r.admission.sweep[0]?.hash_alone;
  lines.push(
    "",
    `Admission control: highest open-loop signup rate with P95 < 100 ms: **${r.admission.highest_rate_p95_under_100ms} signups/s** ` +
      `(hash alone, closed loop: ${fixed(r.admission.hash_alone_rps)} hashes/s). Each try is followed by the hash alone at the same rate, ` +
      `open-loop (\`bench/baselines/paced-hash.ts\`: at most ${hashAlone?.concurrency} hashes at once, the rest queued; ` +
      `\`MIMALLOC_PURGE_DELAY=${hashAlone?.mimalloc_purge_delay_ms}\`, as the service), its latency also from the scheduled time:`,
    "",
    ...sweepTable(r.admission.sweep),
  );
  const d = r.database;
  lines.push(
    "",
    `Database after the run: users ${d.users}, distinct emails ${d.distinct_emails}, users_read ${d.users_read}, unmatched ${d.unmatched}; ` +
      `Locust 201s ${d.locust_201}, Locust rows ${d.locust_rows}, 201 ids found ${d.locust_201_rows_found}/${d.locust_201_read_rows_found} (users/users_read); ` +
      `wrk signup 201s ${d.wrk_signup_201}, rows ${d.wrk_signup_rows} (${d.wrk_signup_rows_not_counted_by_wrk} answered after wrk's deadline). ` +
      `Duplicates: ${d.no_duplicate_email ? "none" : "FOUND"}.`,
    "",
    `Service RSS after the run: ${fixed(r.rss_mb)} MB (peak ${fixed(r.rss_peak_mb)} MB)${r.rss_at_rest_mb === undefined ? "" : `; 3 s later, at rest: ${fixed(r.rss_at_rest_mb)} MB`}. Service log: ${r.service_log.lines} lines ${JSON.stringify(r.service_log.levels)}.`,
    "",
    ...pgliteStartsTable(r.pglite_starts),
    "",
    `![latency percentiles per scenario; signup latency against the offered rate, service and hash alone](${svgName})`,
    "",
  );
  return lines.join("\n");
}

/** Replaces what stands between `<!-- ${marker}:start -->` and `<!-- ${marker}:end -->` in bench/README.md with `body`. */
export function updateReadmeSection(marker: string, body: string) {
  const path = join(BENCH_DIR, "README.md");
  if (!existsSync(path)) return;
  const start = `<!-- ${marker}:start -->`;
  const text = readFileSync(path, "utf8");
  const i = text.indexOf(start);
  const j = text.indexOf(`<!-- ${marker}:end -->`);
  if (i < 0 || j < i) return;
  writeFileSync(path, `${text.slice(0, i + start.length)}\n\n${body}\n${text.slice(j)}`);
}

/** The README's latest-run section; the chart link is made relative to bench/. */
function updateReadme(md: string, stamp: string) {
  const body = md.replace(/^# .*\n/, "").replace(/\]\((\d{4}-[^)]+\.svg)\)/, "](results/$1)");
  updateReadmeSection("latest", `From \`bench/results/${stamp}.md\`:\n${body}`);
}

export async function writeReport(results: Results, stamp: string, python: string) {
  const resultsDir = join(BENCH_DIR, "results");
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = join(resultsDir, `${stamp}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  const chart = await run([python, join(BENCH_DIR, "chart.py"), jsonPath, join(resultsDir, `${stamp}.svg`)]);
  if (chart.code !== 0) log(`chart failed: ${chart.stderr}`);
  const md = markdown(results, `${stamp}.svg`);
  writeFileSync(join(resultsDir, `${stamp}.md`), md);
  updateReadme(md, stamp);
  console.log(`\n${md}`);
  log(`wrote bench/results/${stamp}.{json,md,svg}`);
}
