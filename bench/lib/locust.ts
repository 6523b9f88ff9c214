// The seed's Locust profile (bench/locustfile.py): 50 users, spawn 10/s, headless for CFG.locustSeconds.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HASH_WORKER_STEP, scrapeSteps, stepBreakdown } from "./breakdown.ts";
import { BENCH_DIR, CFG } from "./config.ts";
import { log } from "./log.ts";
import type { Measurement, ServiceUnderLoad } from "./measurement.ts";
import { type RunResult, run } from "./process.ts";
import { EVENT_LOOP, perEach, SERVICE_HASH_THREADS, threadTimes, threadTimesSince } from "./threads.ts";

export interface LocustMeasurement extends Measurement {
  failures: number;
}

const MAX_ATTEMPTS = 3;

const USERS = 50;
const SPAWN_PER_SECOND = 10;
/** The longest think time between a user's requests: bench/locustfile.py's `between(1, 3)`. */
const MAX_THINK_SECONDS = 3;
/**
 * When the users' start has spread out: Locust starts them in batches (SPAWN_PER_SECOND at once,
 * each sending its first request at once), and a batch's users drift apart only by their think
 * times. From the last batch plus the longest think time on, each user's requests are independent.
 */
export const LOCUST_SETTLED_AFTER_MS = (USERS / SPAWN_PER_SECOND + MAX_THINK_SECONDS) * 1000;

export interface LocustContext extends ServiceUnderLoad {
  workDir: string;
}

function parseCsv(text: string) {
  const [header = [], ...lines] = text
    .trim()
    .split("\n")
    .map((line) => line.split(",").map((cell) => cell.replace(/^"|"$/g, "")));
  return lines.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i]])) as Record<string, string>);
}

function statsRow(stats: Array<Record<string, string>>, name: string, foreignCpuPct: number, locust: RunResult): LocustMeasurement {
  const row = stats.find((r) => r.Name === name);
  if (!row) throw new Error(`locust: no row ${name}\n${locust.stderr}`);
  return {
    tool: "locust",
    requests: Number(row["Request Count"]),
    failures: Number(row["Failure Count"]),
    rps: Number(row["Requests/s"]),
    p50: Number(row["50%"]),
    p90: Number(row["90%"]),
    p95: Number(row["95%"]),
    p99: Number(row["99%"]),
    max: Number(row["Max Response Time"]),
    errors: Number(row["Failure Count"]),
    foreign_cpu_pct: foreignCpuPct,
  };
}

/**
 * The service's hash threads and event loop per hash during the profile (one hash per signup that
 * got past its checks): time on a core, and time runnable but waiting for one.
 */
function threadsPerHash(threads: ReturnType<typeof threadTimesSince>, breakdown: ReturnType<typeof stepBreakdown>) {
  const hashes = breakdown.steps.find((step) => step.step === HASH_WORKER_STEP)?.count ?? 0;
  return { hashes, hash_threads: perEach(threads[SERVICE_HASH_THREADS], hashes), event_loop: perEach(threads[EVENT_LOOP], hashes) };
}

/** Runs the profile, again when PostgreSQL restarted under it; returns its stats and the ids of its 201s. */
export async function runLocust({ url, servicePid, runTag, workDir, cpu, postgres }: LocustContext) {
  for (let attempt = 1; ; attempt++) {
    const tag = `${runTag}l${attempt}`;
    const idsFile = join(workDir, `locust-ids-${attempt}.txt`);
    const sendsFile = join(workDir, `locust-signup-sends-${attempt}.txt`);
    const csv = join(workDir, `locust-${attempt}`);
    log(`locust: ${USERS} users, spawn ${SPAWN_PER_SECOND}/s, ${CFG.locustSeconds} s`);
    const before = cpu.snapshot([servicePid]);
    const stepsBefore = await scrapeSteps(url);
    const threadsBefore = threadTimes(servicePid);
    const locust = await run(
      [
        "locust",
        "-f",
        join(BENCH_DIR, "locustfile.py"),
        "--headless",
        "-u",
        String(USERS),
        "-r",
        String(SPAWN_PER_SECOND),
        "-t",
        `${CFG.locustSeconds}s`,
        "--stop-timeout",
        "10",
        "-H",
        url,
        "--csv",
        csv,
        "--only-summary",
        "--loglevel",
        "WARNING",
      ],
      { env: { BENCH_RUN: tag, BENCH_LOCUST_IDS: idsFile, BENCH_LOCUST_SENDS: sendsFile }, timeoutMs: (CFG.locustSeconds + 90) * 1000 },
    );
    const foreignCpuPct = cpu.foreignPctSince(before, [servicePid]);
    const stealCpuPct = cpu.stealPctSince(before);
    const threads = threadTimesSince(threadsBefore, threadTimes(servicePid));
    const breakdown = stepBreakdown(stepsBefore, await scrapeSteps(url));
    if (await postgres.restarted()) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("PostgreSQL keeps being restarted by another program during Locust");
      log("locust: PostgreSQL was restarted (by another program) during the run; again");
      continue;
    }
    const stats = parseCsv(readFileSync(`${csv}_stats.csv`, "utf8"));
    const row = (name: string) => ({ ...statsRow(stats, name, foreignCpuPct, locust), steal_cpu_pct: stealCpuPct });
    const result = {
      all: row("Aggregated"),
      signup: row("/signup"),
      health: row("/health"),
      exitCode: locust.code,
      breakdown,
      threads: threadsPerHash(threads, breakdown),
      tag,
      createdIds: existsSync(idsFile) ? readFileSync(idsFile, "utf8").split("\n").filter(Boolean) : [],
      /** When each signup was sent, ms after the first, one per line; absent when none was. */
      signupSendsFile: existsSync(sendsFile) ? sendsFile : undefined,
    };
    for (const step of breakdown.steps)
      log(`  step ${step.step}: n ${step.count}, p50 ${step.p50_ms?.toFixed(2)} ms, p95 ${step.p95_ms?.toFixed(2)} ms`);
    log(
      `  event loop delay during the run: p99 ${breakdown.event_loop_p99_ms?.toFixed(1)} ms, max ${breakdown.event_loop_max_ms?.toFixed(1)} ms`,
    );
    log(
      `locust: ${result.all.requests} requests, ${result.all.failures} failures, p95 ${result.all.p95} ms; ` +
        `signups p95 ${result.signup.p95} ms (exit ${result.exitCode})`,
    );
    return result;
  }
}

export type LocustResult = Awaited<ReturnType<typeof runLocust>>;
