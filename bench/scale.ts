// `bun run bench:scale`: the service's paths past one database server, measured in one run on
// servers of the bench's own: a PostgreSQL primary, a streaming replica of it, a second replica
// 500 ms behind (recovery_min_apply_delay) and pgbouncer in transaction mode in front of the
// primary. Copies of the binary with different settings run side by side (idle while another is
// measured) and are measured alternating (A B C D, A B C D, ...), median round:
//
// - GET /users/{id}: primary with prepared statements (the default) / primary with
//   DATABASE_PREPARE=false / READ_DATABASE_URL on the replica / pgbouncer with DATABASE_PREPARE=false;
// - POST /signup: primary / pgbouncer / primary with RATE_LIMIT_SIGNUP set far above the load;
// - read-your-writes: signups each followed at once by GET of their Location, through the replica
//   and through the delayed one, with where the reads went (`user_reads_total`).
//
// Writes bench/results/scale-<timestamp>.{json,md} and refreshes the "Scale paths" section of
// bench/README.md. Everything listens on 127.0.0.1 and is stopped and removed at the end.
//
// Knobs: those of bench/run.ts that apply (BENCH_SECONDS, BENCH_WARMUP, BENCH_ROUNDS,
// BENCH_NOISE_RETRIES, BENCH_HTTP_CONNECTIONS, BENCH_SIGNUP_CONNECTIONS, BENCH_SEED_USERS,
// BENCH_QUIET_WAIT, BENCH_SKIP_BUILD, BENCH_BINARY, BENCH_NO_INSTALL), and BENCH_RYW_SIGNUPS [200].
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { stopChildren } from "../harness/processes";
import { type Pgbouncer, type PostgresServer, startPgbouncer, startPostgresServer, startStreamingReplica } from "../harness/servers.ts";
import type { RunningChild } from "../harness/service";
import { CFG, numberFromEnv } from "./lib/config.ts";
import { createFixtureUsers } from "./lib/fixtures.ts";
import { log } from "./lib/log.ts";
import { describeMachine } from "./lib/machine.ts";
import { medianRound } from "./lib/measurement.ts";
import { CpuMeter } from "./lib/noise.ts";
import { installMissing } from "./lib/prerequisites.ts";
import { killChildrenOnSignal } from "./lib/process.ts";
import { readCounts, readsSince, signUpThenRead } from "./lib/read-your-writes.ts";
import { Rounds } from "./lib/rounds.ts";
import { type ScaleResults, writeScaleReport } from "./lib/scale-report.ts";
import { prepareBinary, printServiceLogTail, startService, summariseServiceLog } from "./lib/service.ts";
import { median, round } from "./lib/stats.ts";
import { getUser, SignupLoad } from "./scenarios.ts";

const startedAt = new Date();
const stamp = startedAt
  .toISOString()
  .replace(/\.\d+Z$/, "Z")
  .replace(/:/g, "-");
const runTag = stamp.replace(/[^0-9]/g, "").slice(2, 14);
const RYW_SIGNUPS = numberFromEnv("BENCH_RYW_SIGNUPS", 200);
const REPLICA_APPLY_DELAY_MS = 500;
/** Far above any signup rate this machine reaches: the limiter decides every request and never refuses one. */
const NEVER_LIMITING_PER_MINUTE = 1_000_000;
/** Longer than the delayed replica's lag, so the second reads find every user replayed. */
const SETTLE_MS = 1500;
const PGBOUNCER_POOL_SIZE = 20;

type ScaleKey =
  | "get_prepared"
  | "get_unnamed"
  | "get_replica"
  | "get_pgbouncer"
  | "signup_direct"
  | "signup_pgbouncer"
  | "signup_rate_limited";

/** What the end of the run, or a signal, stops and removes. */
const cleanUp: { servers: PostgresServer[]; bouncer?: Pgbouncer } = { servers: [] };

/** The postmaster's pid: a cluster started by pg_ctl leaves the bench's process tree. */
const postmasterPid = (server: PostgresServer) => Number(readFileSync(join(server.dataDir, "postmaster.pid"), "utf8").split("\n", 1)[0]);

async function waitForReplay(url: string, users: number, timeoutMs = 30_000) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from users_read`;
      if ((row?.n ?? 0) >= users) return;
      if (performance.now() > deadline) throw new Error(`the replica replayed ${row?.n} of ${users} users in ${timeoutMs} ms`);
      await Bun.sleep(100);
    }
  } finally {
    await sql.end({ timeout: 2 });
  }
}

function pgbouncerVersion() {
  return Bun.spawnSync(["/usr/sbin/pgbouncer", "--version"]).stdout.toString().split("\n", 1)[0]?.trim() ?? "unknown";
}

async function main() {
  await installMissing(Bun.which("wrk") ? [] : ["wrk"]);
  const machine = describeMachine();
  const workDir = mkdtempSync(join(tmpdir(), "signup-bench-scale-"));
  const dbName = `signup_scale_${runTag}`;
  log(`machine: ${machine.nproc} cores, ${machine.cpu_model}; work dir ${workDir}`);
  const binary = await prepareBinary(workDir);

  const { servers } = cleanUp;
  try {
    const primary = startPostgresServer();
    servers.push(primary);
    const admin = postgres(primary.url(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    // pg_basebackup starts with a spread checkpoint, which paces whatever is dirty over minutes;
    // with nothing dirty it is immediate.
    await admin.unsafe("checkpoint");
    await admin.end();
    const replica = startStreamingReplica(primary);
    servers.push(replica);
    const delayed = startStreamingReplica(primary, { applyDelayMs: REPLICA_APPLY_DELAY_MS });
    servers.push(delayed);
    const bouncer = await startPgbouncer(primary, { poolSize: PGBOUNCER_POOL_SIZE });
    cleanUp.bouncer = bouncer;
    log(`primary :${primary.port}, replica :${replica.port}, delayed replica :${delayed.port}, pgbouncer :${bouncer.port}`);

    // The first copy migrates the empty database; the others start on the migrated one.
    const direct = primary.url(dbName);
    const start = (name: string, url: string, env: Record<string, string> = {}) => startService(workDir, binary, url, { name, env });
    const prepared = await start("prepared", direct);
    const [unnamed, onReplica, onDelayed, viaPgbouncer, rateLimited] = await Promise.all([
      start("unnamed", direct, { DATABASE_PREPARE: "false" }),
      start("replica", direct, { READ_DATABASE_URL: replica.url(dbName) }),
      start("delayed-replica", direct, { READ_DATABASE_URL: delayed.url(dbName) }),
      start("pgbouncer", bouncer.url(dbName), { DATABASE_PREPARE: "false" }),
      start("rate-limited", direct, { RATE_LIMIT_SIGNUP: String(NEVER_LIMITING_PER_MINUTE) }),
    ]);
    const services: Record<string, RunningChild> = {
      prepared,
      unnamed,
      replica: onReplica,
      "delayed-replica": onDelayed,
      pgbouncer: viaPgbouncer,
      "rate-limited": rateLimited,
    };
    const pids = Object.values(services).map((s) => s.process.pid);
    const cpu = new CpuMeter(dbName, () => [process.pid, ...servers.map(postmasterPid)]);

    const fixtureIds = await createFixtureUsers(prepared.url, CFG.fixtureUsers, runTag);
    const idsFile = join(workDir, "ids.txt");
    writeFileSync(idsFile, fixtureIds.join("\n"));
    await waitForReplay(replica.url(dbName), fixtureIds.length);
    const startQuiet = await cpu.waitForQuiet(pids);

    const rounds = new Rounds<ScaleKey>(
      cpu,
      pids,
      Object.values(services).map((s) => s.process),
    );
    const replicaReadsBefore = await readCounts(onReplica.url);
    await rounds.alternate([
      { key: "get_prepared", label: "GET primary prepared", load: getUser(prepared.url, fixtureIds, idsFile) },
      { key: "get_unnamed", label: "GET primary unnamed", load: getUser(unnamed.url, fixtureIds, idsFile) },
      { key: "get_replica", label: "GET replica", load: getUser(onReplica.url, fixtureIds, idsFile) },
      { key: "get_pgbouncer", label: "GET pgbouncer", load: getUser(viaPgbouncer.url, fixtureIds, idsFile) },
    ]);
    const steadyState = readsSince(replicaReadsBefore, await readCounts(onReplica.url));
    log(`replica copy's reads during the GET rounds: ${JSON.stringify(steadyState.counts)}`);

    const signups = {
      direct: new SignupLoad(prepared.url, `${runTag}d`),
      pgbouncer: new SignupLoad(viaPgbouncer.url, `${runTag}b`),
      rateLimited: new SignupLoad(rateLimited.url, `${runTag}r`),
    };
    await rounds.alternate([
      { key: "signup_direct", label: "signup primary", load: signups.direct.load },
      { key: "signup_pgbouncer", label: "signup pgbouncer", load: signups.pgbouncer.load },
      { key: "signup_rate_limited", label: "signup rate-limited", load: signups.rateLimited.load },
    ]);

    const rywBefore = cpu.snapshot(pids);
    const rywClients = CFG.signupConnections;
    const readYourWrites = {
      replica: await signUpThenRead(onReplica.url, RYW_SIGNUPS, rywClients, `${runTag}a`, SETTLE_MS),
      delayed_replica: await signUpThenRead(onDelayed.url, RYW_SIGNUPS, rywClients, `${runTag}z`, SETTLE_MS),
    };
    const rywForeignCpu = cpu.foreignPctSince(rywBefore, pids);
    log(`read-your-writes: ${JSON.stringify(readYourWrites)}`);

    const serviceLogs: Record<string, ReturnType<typeof summariseServiceLog>> = {};
    for (const [name, service] of Object.entries(services)) {
      await service.stop("SIGTERM", 12_000);
      serviceLogs[name] = summariseServiceLog(workDir, name);
    }

    const m = rounds.measured;
    const get = {
      prepared: medianRound(m.get_prepared),
      unnamed: medianRound(m.get_unnamed),
      replica: medianRound(m.get_replica),
      pgbouncer: medianRound(m.get_pgbouncer),
    };
    const signup = {
      direct: medianRound(m.signup_direct),
      pgbouncer: medianRound(m.signup_pgbouncer),
      rate_limited: medianRound(m.signup_rate_limited),
    };
    const perRound = (a: ScaleKey, b: ScaleKey) => m[a].map((x, i) => round(x.rps / (m[b][i]?.rps ?? NaN), 3));
    const unnamedRatio = round(get.unnamed.rps / get.prepared.rps, 3);
    const unnamedCostPct = round(100 * (1 - unnamedRatio), 1);
    const results: ScaleResults = {
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      machine,
      config: {
        ...CFG,
        binary: process.env.BENCH_BINARY ?? "dist/signup-service",
        tool: "wrk",
        postgres: `${primary.url().replace(/\/postgres$/, "")} (initdb by the bench; fsync off), streaming replicas by pg_basebackup -R`,
        replica_apply_delay_ms: REPLICA_APPLY_DELAY_MS,
        pgbouncer: `${pgbouncerVersion()}, pool_mode transaction, default_pool_size ${PGBOUNCER_POOL_SIZE}`,
        rate_limit_signup: NEVER_LIMITING_PER_MINUTE,
        ryw_signups: RYW_SIGNUPS,
        ryw_clients: rywClients,
      },
      foreign_cpu_pct_at_start: startQuiet,
      noisy: rounds.anyNoisy,
      rounds: m,
      discarded_rounds: rounds.discarded,
      get,
      signup,
      ratios: {
        get_unnamed_vs_prepared: unnamedRatio,
        get_unnamed_vs_prepared_per_round: perRound("get_unnamed", "get_prepared"),
        get_replica_vs_prepared: round(get.replica.rps / get.prepared.rps, 3),
        get_pgbouncer_vs_prepared: round(get.pgbouncer.rps / get.prepared.rps, 3),
        signup_pgbouncer_vs_direct: round(signup.pgbouncer.rps / signup.direct.rps, 3),
        signup_rate_limited_vs_direct: round(signup.rate_limited.rps / signup.direct.rps, 3),
        signup_rate_limited_vs_direct_per_round: perRound("signup_rate_limited", "signup_direct"),
      },
      prepare_default: {
        unnamed_cost_pct: unnamedCostPct,
        unnamed_cost_pct_median_of_rounds: round(100 * (1 - median(perRound("get_unnamed", "get_prepared"))), 1),
        threshold_pct: 5,
        decision:
          unnamedCostPct <= 5
            ? "unnamed statements cost <= 5 %: DATABASE_PREPARE=false should become the default"
            : "unnamed statements cost > 5 %: prepared statements stay the default",
      },
      rate_limiter_added_ms: {
        p50: round(signup.rate_limited.p50 - signup.direct.p50, 2),
        p95: round(signup.rate_limited.p95 - signup.direct.p95, 2),
      },
      steady_state_reads_replica: steadyState,
      read_your_writes: readYourWrites,
      read_your_writes_foreign_cpu_pct: rywForeignCpu,
      service_logs: serviceLogs,
    };
    writeScaleReport(results, `scale-${stamp}`);
  } catch (error) {
    for (const name of ["prepared", "unnamed", "replica", "delayed-replica", "pgbouncer", "rate-limited"])
      printServiceLogTail(workDir, name);
    throw error;
  } finally {
    await stopChildren(5000);
    await cleanUp.bouncer?.stop();
    cleanUp.bouncer = undefined;
    for (const server of servers.splice(0).reverse()) server.remove();
    rmSync(workDir, { recursive: true, force: true });
  }
}

killChildrenOnSignal((signal) => {
  log(`${signal}: stopping`);
  // The clusters and pgbouncer are not the bench's direct children: stop them too.
  void cleanUp.bouncer?.stop();
  for (const server of cleanUp.servers.reverse()) server.remove();
});

await main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
