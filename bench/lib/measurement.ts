import { CFG } from "./config.ts";
import { log } from "./log.ts";
import { type CpuMeter, type PostgresRestartWatch, processCpuUs } from "./noise.ts";
import { median, round } from "./stats.ts";

/** One measured window of one scenario; latencies in ms. */
export interface Measurement {
  tool: string;
  rps: number;
  requests: number;
  p50: number;
  p90?: number;
  p95: number;
  p99: number;
  max?: number;
  mean?: number;
  errors: number;
  statuses?: Record<string, number>;
  foreign_cpu_pct?: number;
  /** The part of `foreign_cpu_pct` that the hypervisor took (steal). */
  steal_cpu_pct?: number;
  /** CPU time (user and system) the answering server spent per request in the window, in us. */
  server_cpu_us_per_request?: number;
  /** wrk's own error counters, before the bench folds them into `errors`. */
  raw_errors?: WrkErrors;
  /** Set on the median round: every round's throughput. */
  rounds_rps?: number[];
  single_median_ms?: number;
}

export interface WrkErrors {
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
}

/** Runs one load for a given number of seconds. */
export type Load = (seconds: number) => Promise<Measurement>;

/**
 * Runs a warm-up (discarded), then the measured window, recording CPU used by foreign processes
 * meanwhile and, given the pid of the server that answers, its CPU per request: a figure the
 * machine's drift in speed moves less than throughput, and the one that says what a request costs.
 */
export async function measure(label: string, cpu: CpuMeter, pids: number[], load: Load, serverPid?: number): Promise<Measurement> {
  if (CFG.warmup > 0) await load(CFG.warmup);
  const before = cpu.snapshot(pids);
  const serverCpuBefore = serverPid === undefined ? 0 : processCpuUs(serverPid);
  const m = await load(CFG.seconds);
  if (serverPid !== undefined && m.requests > 0)
    m.server_cpu_us_per_request = round((processCpuUs(serverPid) - serverCpuBefore) / m.requests, 1);
  m.foreign_cpu_pct = cpu.foreignPctSince(before, pids);
  m.steal_cpu_pct = cpu.stealPctSince(before);
  const serverCpu = m.server_cpu_us_per_request === undefined ? "" : `  server cpu ${m.server_cpu_us_per_request} us/request`;
  log(
    `${label.padEnd(22)} ${m.rps.toFixed(1).padStart(9)} req/s  p50 ${m.p50.toFixed(2)} p95 ${m.p95.toFixed(2)} p99 ${m.p99.toFixed(2)} ms` +
      `  errors ${m.errors}  foreign cpu ${m.foreign_cpu_pct}% (steal ${m.steal_cpu_pct}%)${serverCpu}`,
  );
  return m;
}

/** The median round by throughput, with its own percentiles (not a mix of rounds). */
export function medianRound(rounds: Measurement[]): Measurement {
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps);
  const mid = sorted[(sorted.length - 1) >> 1];
  if (!mid) throw new Error("no rounds to take the median of");
  return { ...mid, rps: median(rounds.map((m) => m.rps)), rounds_rps: rounds.map((m) => round(m.rps, 1)) };
}

/** The running service, and what notices a disturbed measurement of it. */
export interface ServiceUnderLoad {
  url: string;
  servicePid: number;
  runTag: string;
  cpu: CpuMeter;
  postgres: PostgresRestartWatch;
}
