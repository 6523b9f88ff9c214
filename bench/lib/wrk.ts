import { join } from "node:path";
import type { Measurement, WrkErrors } from "./measurement.ts";
import { run } from "./process.ts";
import { sum } from "./stats.ts";

/** The line bench/wrk/report.lua prints from done(). */
interface WrkReport {
  requests: number;
  duration_us: number;
  errors: WrkErrors;
  latency_us: { p50: number; p90: number; p95: number; p99: number; max: number };
  statuses: Record<string, number>;
}

const MARKER = "BENCH_JSON ";

export async function wrk(script: string, url: string, connections: number, seconds: number, extraEnv: Record<string, string> = {}) {
  const { stdout, stderr, code } = await run(
    ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "--latency", "-s", join("bench/wrk", script), url],
    { env: extraEnv, timeoutMs: (seconds + 30) * 1000 },
  );
  const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}): ${stdout}\n${stderr}`);
  const report = JSON.parse(line.slice(MARKER.length)) as WrkReport;
  const ms = (us: number) => us / 1000;
  return {
    tool: "wrk",
    rps: report.requests / (report.duration_us / 1e6),
    requests: report.requests,
    p50: ms(report.latency_us.p50),
    p90: ms(report.latency_us.p90),
    p95: ms(report.latency_us.p95),
    p99: ms(report.latency_us.p99),
    max: ms(report.latency_us.max),
    errors: sum(Object.values(report.errors)),
    statuses: report.statuses,
    raw_errors: report.errors,
  } satisfies Measurement;
}
