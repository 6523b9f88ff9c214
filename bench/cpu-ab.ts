// The service's CPU per request under two or more variants (a build, or a build with settings),
// alternating (A B A B ...) on one database: for a change to a fixed cost of every request, a few
// microseconds that the noise between two runs of `bun run bench` hides in throughput. Each round
// runs the scenario against each variant (BENCH_WARMUP then BENCH_SECONDS) and reads the
// variant's CPU time from /proc over the measured window; at the end, per variant, the median of
// the rounds and of the per-round ratios against the first variant.
//
//   bun bench/cpu-ab.ts ROUNDS health|get|replay BINARY[,NAME=VALUE...] BINARY[,NAME=VALUE...] [...]
//
// e.g. the access log's cost on a GET: bun bench/cpu-ab.ts 6 get dist/signup-service,LOG_LEVEL=info dist/signup-service,LOG_LEVEL=warn
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, type RunningChild } from "../harness/service";
import { CFG } from "./lib/config.ts";
import { createBenchDatabase } from "./lib/database.ts";
import { createFixtureUsers, prepareReplay } from "./lib/fixtures.ts";
import { log } from "./lib/log.ts";
import { type Load, measure } from "./lib/measurement.ts";
import { CpuMeter } from "./lib/noise.ts";
import { startService } from "./lib/service.ts";
import { median, round } from "./lib/stats.ts";
import { getUser, health, replay } from "./scenarios.ts";

const SCENARIOS = ["health", "get", "replay"] as const;
type Scenario = (typeof SCENARIOS)[number];

const [roundsArg, scenarioArg, ...specs] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1 || !SCENARIOS.includes(scenarioArg as Scenario) || specs.length < 2) {
  console.error("usage: bun bench/cpu-ab.ts ROUNDS health|get|replay BINARY[,NAME=VALUE...] BINARY[,NAME=VALUE...] [...]");
  process.exit(2);
}
const scenario = scenarioArg as Scenario;

/** `dist/signup-service,LOG_LEVEL=warn` → the binary and the settings it runs with. */
function variantOf(spec: string) {
  const [binary, ...settings] = spec.split(",");
  const env = Object.fromEntries(
    settings.map((setting) => {
      const at = setting.indexOf("=");
      if (at < 1) throw new Error(`not NAME=VALUE: ${setting}`);
      return [setting.slice(0, at), setting.slice(at + 1)];
    }),
  );
  return { spec, binary: resolve(binary ?? ""), env };
}

const variants = specs.map(variantOf);
const runTag = `cpuab${Date.now()}`;
const dbName = `signup_bench_${runTag}_${process.pid}`;
const workDir = mkdtempSync(join(tmpdir(), "signup-cpu-ab-"));
const database = await createBenchDatabase(dbName);
const services: RunningChild[] = [];
try {
  for (const [index, variant] of variants.entries()) {
    // A port of its own, so a variant logging above info (no "listening" line) starts too.
    const env = { PORT: String(freePort()), ...variant.env };
    services.push(await startService(workDir, variant.binary, database.url, { name: `service${index}`, env }));
  }
  const first = services[0]!;
  const userIds = await createFixtureUsers(first.url, CFG.fixtureUsers, runTag);
  const idsFile = join(workDir, "ids.txt");
  writeFileSync(idsFile, userIds.join("\n"));
  const replayFixture = scenario === "replay" ? await prepareReplay(first.url, runTag) : undefined;
  const loadOf = (url: string): Load =>
    scenario === "health" ? health(url) : scenario === "get" ? getUser(url, userIds, idsFile) : replay(url, replayFixture!);

  const cpu = new CpuMeter(dbName);
  const pids = services.map((service) => service.process.pid);
  const cpuUs = variants.map(() => [] as number[]);
  const rps = variants.map(() => [] as number[]);
  for (let r = 1; r <= rounds; r++) {
    for (const [index, service] of services.entries()) {
      const m = await measure(`${r}/${rounds} ${index}`, cpu, pids, loadOf(service.url), service.process.pid);
      if (m.errors > 0) throw new Error(`${variants[index]!.spec}: ${m.errors} failed requests`);
      cpuUs[index]!.push(m.server_cpu_us_per_request ?? Number.NaN);
      rps[index]!.push(m.rps);
    }
  }
  for (const [index, variant] of variants.entries()) {
    const ratios = cpuUs[index]!.map((us, r) => us / cpuUs[0]![r]!);
    log(
      `${variant.spec}: CPU us/request ${cpuUs[index]!.join(", ")} (median ${round(median(cpuUs[index]!), 1)}, ` +
        `per-round ratio to the first variant median ${round(median(ratios), 3)}); req/s median ${round(median(rps[index]!), 0)}`,
    );
  }
} finally {
  for (const service of services) {
    service.process.kill("SIGTERM");
    await service.process.exited;
  }
  await database.drop();
  rmSync(workDir, { recursive: true, force: true });
}
