// `bun run bench`: builds the binary, measures its start on the embedded database (a new DATA_DIR,
// then that folder again), makes a fresh bench database, starts the service against it
// production-like, and measures each scenario beside the stack's own limit IN THE SAME RUN,
// alternating service and limit (A B A B A B) and taking the median round. Then the
// admission-control sweep, the seed's Locust profile, the database checks, the service's RSS and
// the floors. Writes bench/results/<timestamp>.{json,md,svg} and refreshes the "Latest run"
// section of bench/README.md. Everything listens on 127.0.0.1 and is stopped at the end.
//
// Environment knobs (defaults in brackets): BENCH_SECONDS [6] measured seconds per measurement,
// BENCH_WARMUP [1], BENCH_ROUNDS [3], BENCH_HTTP_CONNECTIONS [64], BENCH_SIGNUP_CONNECTIONS [4],
// BENCH_LOCUST_SECONDS [60], BENCH_FIXTURE_USERS [300], BENCH_TOOL [oha if on PATH, else wrk],
// BENCH_ADMIN_URL [postgres://postgres@127.0.0.1:5432/postgres], BENCH_NO_INSTALL=1 (never apt-get),
// BENCH_SKIP_BUILD=1 (use the existing dist/signup-service), BENCH_BINARY=path (bench that binary),
// BENCH_QUIET_WAIT [60] seconds to wait for other processes to leave the CPU before starting.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopChildren } from "../harness/processes";
import { waitForReady } from "../harness/service";
import { admissionSweep, hashAtRecordedArrivals } from "./lib/admission.ts";
import { BENCH_DIR, CFG } from "./lib/config.ts";
import { checkDatabase, createBenchDatabase } from "./lib/database.ts";
import { createFixtureUsers, prepareReplay } from "./lib/fixtures.ts";
import { evaluateFloors } from "./lib/floors.ts";
import { LOCUST_SETTLED_AFTER_MS, runLocust } from "./lib/locust.ts";
import { log } from "./lib/log.ts";
import { describeMachine } from "./lib/machine.ts";
import { medianRound } from "./lib/measurement.ts";
import { CpuMeter, PostgresRestartWatch } from "./lib/noise.ts";
import { useOha } from "./lib/oha.ts";
import { measurePgliteStarts } from "./lib/pglite-starts.ts";
import { ensureTools } from "./lib/prerequisites.ts";
import { assertAlive, killChildrenOnSignal, startServer } from "./lib/process.ts";
import { queueModel, readArrivals } from "./lib/queue-model.ts";
import { type Results, writeReport } from "./lib/report.ts";
import { Rounds } from "./lib/rounds.ts";
import { prepareBinary, printServiceLogTail, serviceMemoryMb, startService, summariseServiceLog } from "./lib/service.ts";
import { median, round } from "./lib/stats.ts";
import { getUser, HashAloneLoad, health, replay, SignupLoad } from "./scenarios.ts";

/** How long after the run the service's RSS is read a second time, with nothing to do. */
const RSS_AT_REST_AFTER_MS = 3000;
/** Sequential hashes alone right before and right after the seed profile (about half a second each). */
const SINGLE_HASHES_BESIDE_PROFILE = 15;

const startedAt = new Date();
const stamp = startedAt
  .toISOString()
  .replace(/\.\d+Z$/, "Z")
  .replace(/:/g, "-");
/** Goes into every email, key and database name the run creates, so runs never collide. */
const runTag = stamp.replace(/[^0-9]/g, "").slice(2, 14);
const tool = useOha ? "oha" : "wrk";

async function main() {
  const python = await ensureTools();
  const machine = describeMachine();
  const workDir = mkdtempSync(join(tmpdir(), "signup-bench-"));
  const dbName = `signup_bench_${runTag}_${process.pid}`;
  log(`machine: ${machine.nproc} cores, ${machine.cpu_model}, ${machine.memory_gb} GB; tool: ${tool}; work dir ${workDir}`);

  const binary = await prepareBinary(workDir);
  const pgliteStarts = await measurePgliteStarts(workDir, binary);
  const database = await createBenchDatabase(dbName);
  const cpu = new CpuMeter(dbName);
  try {
    const service = await startService(workDir, binary, database.url);
    const servicePid = service.process.pid;
    log(`service pid ${servicePid} on ${service.url}`);
    const fixtureUserIds = await createFixtureUsers(service.url, CFG.fixtureUsers, runTag);
    const idsFile = join(workDir, "ids.txt");
    writeFileSync(idsFile, fixtureUserIds.join("\n"));

    // The limits, started once (idle while the service is measured).
    const rawHealth = await startServer(workDir, "raw-health", ["bun", join(BENCH_DIR, "baselines/raw-health.ts")], { PORT: "0" });
    const rawHealthHeaders = await startServer(workDir, "raw-health-headers", ["bun", join(BENCH_DIR, "baselines/raw-health.ts")], {
      PORT: "0",
      CONTRACT_HEADERS: "1",
    });
    const elysiaHealth = await startServer(workDir, "elysia-health", ["bun", join(BENCH_DIR, "baselines/elysia-health.ts")], { PORT: "0" });
    const rawGet = await startServer(workDir, "raw-get", ["bun", join(BENCH_DIR, "baselines/raw-get.ts")], {
      PORT: "0",
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? "10",
    });
    const pids = [servicePid, rawHealth.process.pid, rawHealthHeaders.process.pid, elysiaHealth.process.pid, rawGet.process.pid];
    const startQuiet = await cpu.waitForQuiet(pids);
    const replayFixture = await prepareReplay(service.url, runTag);
    // After a restart the service's pool reconnects; give it a moment beyond /ready before measuring again.
    const postgres = await PostgresRestartWatch.start(database.admin, async () => {
      await waitForReady(service.url, { timeoutMs: 30_000 });
      await Bun.sleep(1000);
    });

    const signups = new SignupLoad(service.url, runTag);
    const hashAlone = new HashAloneLoad();
    const rounds = new Rounds(cpu, pids, service.process, postgres);
    await rounds.alternate([
      { key: "health", label: "GET /health", load: health(service.url), serverPid: servicePid },
      { key: "rawHealth", label: "raw-health", load: health(rawHealth.url), serverPid: rawHealth.process.pid },
      {
        key: "rawHealthHeaders",
        label: "raw-health + headers",
        load: health(rawHealthHeaders.url),
        serverPid: rawHealthHeaders.process.pid,
      },
      { key: "elysiaHealth", label: "bare Elysia", load: health(elysiaHealth.url), serverPid: elysiaHealth.process.pid },
    ]);
    await rounds.alternate([
      { key: "get", label: "GET /users/{id}", load: getUser(service.url, fixtureUserIds, idsFile), serverPid: servicePid },
      { key: "rawGet", label: "raw-get", load: getUser(rawGet.url, fixtureUserIds, idsFile), serverPid: rawGet.process.pid },
      { key: "replay", label: "replay", load: replay(service.url, replayFixture), serverPid: servicePid },
    ]);
    await rounds.alternate([
      { key: "signup", label: "POST /signup", load: signups.load, serverPid: servicePid },
      { key: "hash", label: "hash alone", load: hashAlone.load },
    ]);
    await rawHealth.stop("SIGTERM", 12_000);
    await rawHealthHeaders.stop("SIGTERM", 12_000);
    await elysiaHealth.stop("SIGTERM", 12_000);
    await rawGet.stop("SIGTERM", 12_000);

    const measured = rounds.measured;
    const medians = {
      health: medianRound(measured.health),
      rawHealth: medianRound(measured.rawHealth),
      rawHealthHeaders: medianRound(measured.rawHealthHeaders),
      elysiaHealth: medianRound(measured.elysiaHealth),
      get: medianRound(measured.get),
      rawGet: medianRound(measured.rawGet),
      replay: medianRound(measured.replay),
      signup: medianRound(measured.signup),
      hash: medianRound(measured.hash),
    };
    const singleHashMedian = median(hashAlone.singleHashesMs);
    log(`single hash median ${singleHashMedian.toFixed(1)} ms over ${hashAlone.singleHashesMs.length} hashes`);

    const serviceUnderLoad = { url: service.url, servicePid, runTag, cpu, postgres };
    const sweep = await admissionSweep(medians.hash.rps, serviceUnderLoad);
    assertAlive(service.process, "the service");

    // One hash alone also right before and after the profile: this machine's hash speed drifts by
    // up to 1.6x within minutes, and the profile's signups are judged against the fastest of the three.
    const hashBeforeProfile = median(await hashAlone.singles(SINGLE_HASHES_BESIDE_PROFILE));
    const locust = await runLocust({ ...serviceUnderLoad, workDir });

    const checks = await checkDatabase(database.db, {
      locust: { tag: locust.tag, ids: locust.createdIds },
      wrk: { tags: signups.tags, created: signups.created },
      sweepCreated: sweep.created,
    });
    log(`database: ${JSON.stringify(checks)}`);

    assertAlive(service.process, "the service");
    const memory = serviceMemoryMb(servicePid);
    log(`service RSS ${memory.rssMb.toFixed(1)} MB (peak ${memory.peakMb.toFixed(1)} MB)`);
    // After the RSS reading, so that it comes as soon after the profile as it always did.
    const hashAfterProfile = median(await hashAlone.singles(SINGLE_HASHES_BESIDE_PROFILE));
    const oneHashMs = Math.min(singleHashMedian, hashBeforeProfile, hashAfterProfile);
    log(`one hash alone: ${hashBeforeProfile.toFixed(1)} ms before the profile, ${hashAfterProfile.toFixed(1)} ms after`);
    // Read again at rest: the hash threads keep their 19 MiB for a second after their last hash
    // (src/allocator.ts), so the figure right after the run still holds them.
    await Bun.sleep(RSS_AT_REST_AFTER_MS);
    const atRest = serviceMemoryMb(servicePid);
    log(`service RSS ${RSS_AT_REST_AFTER_MS / 1000} s later, at rest: ${atRest.rssMb.toFixed(1)} MB`);
    await service.stop("SIGTERM", 12_000);
    const serviceLog = summariseServiceLog(workDir);
    // With the service stopped: what the hash alone makes of the same arrival process.
    const hashAtSignupSends = locust.signupSendsFile ? await hashAtRecordedArrivals(locust.signupSendsFile, CFG.locustSeconds) : undefined;
    if (hashAtSignupSends) {
      const { p50, p95, p99 } = hashAtSignupSends.latency_ms;
      log(`hash alone at the profile's signup send times: p50 ${p50.toFixed(1)} p95 ${p95.toFixed(1)} p99 ${p99.toFixed(1)} ms`);
    }
    // The same moments through a gate whose every hash takes exactly one hash alone: the tail that
    // queueing at those arrivals makes by itself.
    const queue =
      locust.signupSendsFile && hashAtSignupSends
        ? queueModel(readArrivals(locust.signupSendsFile), oneHashMs, hashAtSignupSends.concurrency, LOCUST_SETTLED_AFTER_MS)
        : undefined;
    if (queue)
      log(
        `constant ${queue.hash_ms.toFixed(1)} ms hash at the profile's signup send times: p95 ${queue.p95_ms.toFixed(1)} ms ` +
          `(${queue.p95_hashes.toFixed(2)} hashes), ${queue.settled.p95_hashes.toFixed(2)} hashes from ${queue.settled.after_ms / 1000} s on`,
      );

    const { rows, floors } = evaluateFloors(medians, locust, oneHashMs, checks, memory.rssMb);
    const results: Results = {
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      machine,
      config: {
        ...CFG,
        binary: process.env.BENCH_BINARY ?? "dist/signup-service (built by this run)",
        tool,
        signup_tool: "wrk",
        hash: {
          algorithm: "argon2id",
          memoryCost: Number(process.env.ARGON2_MEMORY_COST ?? 19456),
          timeCost: Number(process.env.ARGON2_TIME_COST ?? 2),
        },
      },
      foreign_cpu_pct_at_start: startQuiet,
      noisy: rounds.anyNoisy,
      rounds: measured,
      raw_health_headers: medians.rawHealthHeaders,
      elysia_health: medians.elysiaHealth,
      discarded_rounds: rounds.discarded,
      rows,
      single_hash_ms: {
        median: singleHashMedian,
        samples: hashAlone.singleHashesMs,
        before_profile: hashBeforeProfile,
        after_profile: hashAfterProfile,
        used: oneHashMs,
      },
      admission: { highest_rate_p95_under_100ms: sweep.bestRate, hash_alone_rps: medians.hash.rps, sweep: sweep.steps },
      locust: {
        all: locust.all,
        signup: locust.signup,
        health: locust.health,
        exit_code: locust.exitCode,
        breakdown: locust.breakdown,
        threads: locust.threads,
        hash_alone_at_signup_sends: hashAtSignupSends,
        queue_model: queue,
      },
      database: checks,
      rss_mb: round(memory.rssMb, 1),
      rss_peak_mb: round(memory.peakMb, 1),
      rss_at_rest_mb: round(atRest.rssMb, 1),
      pglite_starts: pgliteStarts,
      service_log: serviceLog,
      floors,
    };
    await writeReport(results, stamp, python);
  } catch (error) {
    // Leave a trace of what the service said before the work folder goes.
    printServiceLogTail(workDir);
    throw error;
  } finally {
    await stopChildren(5000);
    await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

killChildrenOnSignal((signal) => log(`${signal}: stopping`));

await main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
