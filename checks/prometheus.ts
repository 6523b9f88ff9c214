/**
 * CI check: a real Prometheus scrapes dist/signup-service and the seed's p95 query evaluates.
 *
 *   bun checks/prometheus.ts [queries.txt | grafana-dashboard.json]
 *
 * Starts the binary (temp DATA_DIR, embedded database) and Prometheus (temp config and storage,
 * scraping every 1 s), both on free 127.0.0.1 ports; runs ~12 s of load (signups with unique
 * emails, GET /users/:id, /health); waits for the scrapes after the load; then asserts through
 * /api/v1/query that
 *   histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))
 * gives at least one finite number. Each line of the optional file is one more PromQL expression
 * (blank lines and lines starting with # are skipped), or each panel query of a Grafana dashboard
 * given as .json, that must be valid: the API answers
 * status "success". Grafana's $__rate_interval, $__interval and $__range are replaced by 1m, 15s
 * and 5m first, so a dashboard's expressions can be pasted as they are.
 * Needs `prometheus` on PATH (.ci/run installs the Debian package) and a built binary.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Child, spawnChild } from "../harness/processes";
import { freePort, type RunningChild } from "../harness/service";
import { PROBE_PATHS, SERVICE_NAME } from "../src/identity";
import { CHECK_OUTPUT, fail, fetchWithin, log, runCheck, startService, tempDir } from "./lib";

const SEED_QUERY = "histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))";
const JOB = SERVICE_NAME;
const LOAD_SECONDS = 12;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface QueryAnswer {
  status: "success" | "error";
  data?: { resultType: "vector" | "matrix" | "scalar" | "string"; result: unknown };
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** A Grafana dashboard (.json): the `expr` of every panel target. */
function dashboardQueries(text: string): string[] {
  const dashboard = JSON.parse(text) as { panels?: Array<{ targets?: Array<{ expr?: string }> }> };
  return (dashboard.panels ?? []).flatMap((panel) => (panel.targets ?? []).flatMap((target) => target.expr ?? []));
}

function readQueryFile(path: string | undefined): string[] {
  if (path === undefined) return [];
  if (!existsSync(path)) fail(`query file ${path} does not exist`);
  if (path.endsWith(".json")) return dashboardQueries(readFileSync(path, "utf8"));
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

function withGrafanaVariables(expression: string): string {
  return expression
    .replace(/\$\{?__rate_interval\}?/g, "1m")
    .replace(/\$\{?__interval\}?/g, "15s")
    .replace(/\$\{?__range\}?/g, "5m");
}

async function startPrometheus(target: string): Promise<{ prometheus: Child; url: string }> {
  const binary = Bun.which("prometheus");
  if (binary === null) fail("prometheus is not on PATH: install it (apt-get install prometheus; .ci/run does it)");
  const dir = tempDir("signup-check-prometheus-");
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      `  - job_name: ${JOB}`,
      `    metrics_path: ${PROBE_PATHS.metrics}`,
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  // The port is free when picked, not necessarily when Prometheus binds it: retry a taken one.
  for (let attempt = 1; ; attempt++) {
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    const prometheus = spawnChild(
      [
        binary,
        `--config.file=${config}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
        "--storage.tsdb.retention.time=1h",
        "--log.level=info",
      ],
      { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }, output: CHECK_OUTPUT },
    );
    const deadline = Date.now() + 30_000;
    while ((await fetchWithin(`${url}/-/ready`, {}, 2_000).catch(() => undefined))?.status !== 200) {
      if (prometheus.process.exitCode !== null) {
        if (attempt < 3 && prometheus.lines.some((line) => line.includes("address already in use"))) break;
        fail(`prometheus exited (${prometheus.process.exitCode}) before ready:\n${prometheus.tail()}`);
      }
      if (Date.now() > deadline) fail(`prometheus at ${url} was not ready within 30 s:\n${prometheus.tail()}`);
      await Bun.sleep(100);
    }
    if (prometheus.process.exitCode === null) return { prometheus, url };
    log(`port ${port} was taken, retrying`);
  }
}

interface Target {
  health: string;
  lastError: string;
  lastScrape: string;
  scrapeUrl: string;
}

async function target(prometheusUrl: string): Promise<Target | undefined> {
  const response = await fetchWithin(`${prometheusUrl}/api/v1/targets?state=active`);
  const body = (await response.json()) as { data?: { activeTargets?: Target[] } };
  return body.data?.activeTargets?.[0];
}

/** Waits until Prometheus scraped the service successfully `count` times after `afterMs`. */
async function waitForScrapes(prometheusUrl: string, afterMs: number, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  let last: Target | undefined;
  while (seen.size < count) {
    last = await target(prometheusUrl).catch(() => undefined);
    if (last && last.health === "up" && Date.parse(last.lastScrape) > afterMs) seen.add(last.lastScrape);
    if (Date.now() > deadline) {
      fail(
        `prometheus did not scrape ${count} times within ${timeoutMs / 1000} s: target ${last?.scrapeUrl ?? "(none)"} ` +
          `health=${last?.health ?? "?"} lastError=${JSON.stringify(last?.lastError ?? "")}`,
      );
    }
    await Bun.sleep(250);
  }
}

async function query(prometheusUrl: string, expression: string): Promise<QueryAnswer> {
  const response = await fetchWithin(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expression)}`);
  const text = await response.text();
  try {
    return JSON.parse(text) as QueryAnswer;
  } catch {
    fail(`/api/v1/query answered HTTP ${response.status} with non-JSON: ${text.slice(0, 300)}`);
  }
}

const labels = (metric: Record<string, string>) =>
  `{${Object.entries(metric)
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;

function describe(answer: QueryAnswer, limit = 10): string {
  const data = answer.data;
  if (!data) return "(no data)";
  if (data.resultType === "scalar" || data.resultType === "string") return `${data.resultType} ${(data.result as [number, string])[1]}`;
  const series = data.result as Array<{ metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }>;
  if (series.length === 0) return `${data.resultType}, empty`;
  const lines = series
    .slice(0, limit)
    .map((one) => `    ${labels(one.metric)} ${one.value ? one.value[1] : `${one.values?.length ?? 0} samples`}`);
  if (series.length > limit) lines.push(`    ... ${series.length - limit} more`);
  return `${data.resultType}, ${series.length} series:\n${lines.join("\n")}`;
}

async function runLoad(service: RunningChild, seconds: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const ids: string[] = [];
  const end = Date.now() + seconds * 1000;
  const run = `${Date.now().toString(36)}-${process.pid}`;
  let sequence = 0;
  const request = async (label: string, path: string, init?: RequestInit) => {
    try {
      const response = await fetchWithin(`${service.url}${path}`, init, 10_000);
      await response.arrayBuffer();
      count(`${label} ${response.status}`);
      return response;
    } catch (error) {
      count(`${label} error: ${error instanceof Error ? error.name : String(error)}`);
      return undefined;
    }
  };
  const signups = async () => {
    while (Date.now() < end) {
      const email = `load-${run}-${sequence++}@example.com`;
      const response = await request("POST /signup", "/signup", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Load Test", email, password: "Velero-Azul-27", display_name: "Load" }),
      });
      const location = response?.headers.get("location");
      if (response?.status === 201 && location) ids.push(location.split("/").pop() ?? "");
    }
  };
  const reads = async () => {
    while (Date.now() < end) {
      const id = ids[Math.floor(Math.random() * ids.length)];
      await request("GET /users/:id", `/users/${id ?? "00000000-0000-7000-8000-000000000000"}`);
      await request("GET /health", "/health");
      if (sequence % 10 === 0) await request("GET /users/:id", "/users/00000000-0000-7000-8000-000000000000");
      await Bun.sleep(20);
    }
  };
  await Promise.all([signups(), signups(), signups(), reads(), reads()]);
  return counts;
}

runCheck("checks/prometheus.ts", 150_000, async () => {
  const extra = readQueryFile(process.argv[2]);
  const service = await startService();
  log(`signup-service ready at ${service.url}`);
  const { prometheus, url: prometheusUrl } = await startPrometheus(service.url.replace("http://", ""));
  log(`prometheus ${prometheusUrl} scraping ${service.url}/metrics every 1 s`);
  await waitForScrapes(prometheusUrl, 0, 1, 20_000);

  log(`load for ${LOAD_SECONDS} s`);
  const counts = await runLoad(service, LOAD_SECONDS);
  const loadEnd = Date.now();
  for (const [what, n] of [...counts].sort()) log(`  ${what}: ${n}`);
  if (!(counts.get("POST /signup 201") ?? 0)) fail(`no signup succeeded during the load:\n${service.tail()}`);

  await waitForScrapes(prometheusUrl, loadEnd, 2, 15_000);
  log("scraped after the load");

  // The scrapes are in; the query engine may still lag a moment behind them.
  let answer: QueryAnswer | undefined;
  let finite: Sample[] = [];
  const deadline = Date.now() + 15_000;
  while (finite.length === 0 && Date.now() < deadline) {
    answer = await query(prometheusUrl, SEED_QUERY);
    if (answer.status !== "success") fail(`${SEED_QUERY} failed: ${answer.errorType}: ${answer.error}`);
    const samples = answer.data?.resultType === "vector" ? (answer.data.result as Sample[]) : [];
    finite = samples.filter((sample) => Number.isFinite(Number(sample.value[1])));
    if (finite.length === 0) await Bun.sleep(500);
  }
  console.log(`\n${SEED_QUERY}\n  => ${answer ? describe(answer, 50) : "(no answer)"}`);
  if (finite.length === 0) {
    fail(`${SEED_QUERY} gave no finite number (NaN or no series)\nprometheus:\n${prometheus.tail(10)}`);
  }
  const signupP95 = finite.find((sample) => sample.metric.route === "/signup" && sample.metric.status === "201");
  console.log(`  ${finite.length} finite series${signupP95 ? `; POST /signup 201 p95 = ${Number(signupP95.value[1]).toFixed(4)} s` : ""}`);

  const invalid: string[] = [];
  for (const expression of extra) {
    const sent = withGrafanaVariables(expression);
    const result = await query(prometheusUrl, sent);
    const shown = sent === expression ? expression : `${expression}\n  (sent as) ${sent}`;
    if (result.status === "success") {
      console.log(`\n${shown}\n  => ok: ${describe(result)}`);
      for (const warning of result.warnings ?? []) console.log(`  warning: ${warning}`);
    } else {
      console.log(`\n${shown}\n  => INVALID: ${result.errorType}: ${result.error}`);
      invalid.push(`${expression}: ${result.errorType}: ${result.error}`);
    }
  }
  if (invalid.length > 0) fail(`${invalid.length} of ${extra.length} extra expressions invalid:\n  ${invalid.join("\n  ")}`);
  if (extra.length > 0) console.log(`\nall ${extra.length} extra expressions valid`);
});
