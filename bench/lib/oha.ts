import type { Measurement } from "./measurement.ts";
import { run } from "./process.ts";
import { sum } from "./stats.ts";

/** oha is used for every fixed-request scenario when it is on PATH, unless BENCH_TOOL=wrk. */
export const useOha = process.env.BENCH_TOOL !== "wrk" && Bun.which("oha") !== null;

export interface OhaRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  randRegexUrl?: boolean;
}

interface OhaReport {
  summary: { requestsPerSec: number; slowest: number };
  latencyPercentiles: { p50: number; p90: number; p95: number; p99: number };
  statusCodeDistribution?: Record<string, number>;
  errorDistribution?: Record<string, number>;
}

let jsonFlag: string[] | undefined;
/** Newer oha renamed --json to --output-format json. */
async function ohaJsonFlag() {
  if (!jsonFlag) {
    const help = (await run(["oha", "--help"])).stdout;
    jsonFlag = help.includes("--output-format") ? ["--output-format", "json"] : ["--json"];
  }
  return jsonFlag;
}

export async function oha(url: string, connections: number, seconds: number, request: OhaRequest = {}) {
  const cmd = ["oha", "-z", `${seconds}s`, "-c", String(connections), "--no-tui", ...(await ohaJsonFlag())];
  if (request.method) cmd.push("-m", request.method);
  for (const [name, value] of Object.entries(request.headers ?? {})) cmd.push("-H", `${name}: ${value}`);
  if (request.body) cmd.push("-d", request.body);
  if (request.randRegexUrl) cmd.push("--rand-regex-url");
  cmd.push(url);
  const { stdout, stderr, code } = await run(cmd, { timeoutMs: (seconds + 30) * 1000 });
  if (code !== 0) throw new Error(`oha failed (${code}): ${stderr}`);
  const report = JSON.parse(stdout) as OhaReport;
  const statuses = report.statusCodeDistribution ?? {};
  const badStatuses = sum(Object.entries(statuses).map(([status, n]) => (Number(status) >= 400 ? n : 0)));
  const failed = sum(Object.values(report.errorDistribution ?? {}));
  const p = report.latencyPercentiles;
  const ms = (s: number) => s * 1000;
  return {
    tool: "oha",
    rps: report.summary.requestsPerSec,
    requests: sum(Object.values(statuses)),
    p50: ms(p.p50),
    p90: ms(p.p90),
    p95: ms(p.p95),
    p99: ms(p.p99),
    max: ms(report.summary.slowest),
    errors: badStatuses + failed,
    statuses,
  } satisfies Measurement;
}
