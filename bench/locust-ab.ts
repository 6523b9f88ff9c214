// The seed's Locust profile against two or more builds of the service, alternating (A B A B ...):
// each round starts each binary on a fresh database of its own, runs the profile
// (BENCH_LOCUST_SECONDS, 60 s), and prints Locust's percentiles and the service's own step
// timings; at the end, the median of the rounds per binary. For a change to the signup path,
// whose effect is smaller than the noise between two separate runs of `bun run bench`.
//
//   bun bench/locust-ab.ts ROUNDS BINARY_A BINARY_B [...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBenchDatabase } from "./lib/database.ts";
import { runLocust } from "./lib/locust.ts";
import { log } from "./lib/log.ts";
import { CpuMeter, PostgresRestartWatch } from "./lib/noise.ts";
import { startService } from "./lib/service.ts";
import { median } from "./lib/stats.ts";

const [roundsArg, ...binaries] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1 || binaries.length < 2) {
  console.error("usage: bun bench/locust-ab.ts ROUNDS BINARY_A BINARY_B [...]");
  process.exit(2);
}

interface RoundFigures {
  all_p95: number;
  signup_p50: number;
  signup_p95: number;
  signup_p99: number;
}
const figures = new Map<string, RoundFigures[]>(binaries.map((binary) => [binary, []]));

for (let round = 1; round <= rounds; round++) {
  for (const binary of binaries) {
    const runTag = `ab${Date.now()}`;
    const dbName = `signup_bench_${runTag}_${process.pid}`;
    const workDir = mkdtempSync(join(tmpdir(), "signup-locust-ab-"));
    const database = await createBenchDatabase(dbName);
    const service = await startService(workDir, binary, database.url);
    try {
      const postgres = await PostgresRestartWatch.start(database.admin, async () => {});
      const result = await runLocust({
        url: service.url,
        servicePid: service.process.pid,
        runTag,
        workDir,
        cpu: new CpuMeter(dbName),
        postgres,
      });
      const row = { all_p95: result.all.p95, signup_p50: result.signup.p50, signup_p95: result.signup.p95, signup_p99: result.signup.p99 };
      figures.get(binary)?.push(row);
      const steps = result.breakdown.steps.map((step) => `${step.step} ${step.p50_ms?.toFixed(1)}/${step.p95_ms?.toFixed(1)}`);
      log(`round ${round} ${binary}: ${JSON.stringify(row)}; steps P50/P95 ms: ${steps.join(", ")}`);
    } finally {
      service.process.kill("SIGTERM");
      await service.process.exited;
      await database.drop();
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}

for (const [binary, rows] of figures) {
  const of = (name: keyof RoundFigures) => median(rows.map((row) => row[name]));
  log(
    `median of ${rows.length} rounds, ${binary}: all P95 ${of("all_p95")} ms; signups P50 ${of("signup_p50")}, ` +
      `P95 ${of("signup_p95")}, P99 ${of("signup_p99")} ms`,
  );
}
