// bench:scale's outputs: results/scale-<stamp>.json (everything), .md (the tables), and the
// "Scale paths" section of bench/README.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, type CFG, NOISY_FOREIGN_CPU_PCT } from "./config.ts";
import { log } from "./log.ts";
import type { MachineInfo } from "./machine.ts";
import type { Measurement } from "./measurement.ts";
import type { ReadsSince, ReadYourWrites } from "./read-your-writes.ts";
import { fixed, tableRow, updateReadmeSection } from "./report.ts";
import type { DiscardedRound } from "./rounds.ts";
import type { summariseServiceLog } from "./service.ts";

export interface ScaleResults {
  started_at: string;
  finished_at: string;
  machine: MachineInfo;
  config: typeof CFG & {
    binary: string;
    tool: string;
    postgres: string;
    replica_apply_delay_ms: number;
    pgbouncer: string;
    rate_limit_signup: number;
    ryw_signups: number;
    ryw_clients: number;
  };
  foreign_cpu_pct_at_start: number;
  noisy: boolean;
  rounds: Record<string, Measurement[]>;
  discarded_rounds: DiscardedRound<string>[];
  get: Record<"prepared" | "unnamed" | "replica" | "pgbouncer", Measurement>;
  signup: Record<"direct" | "pgbouncer" | "rate_limited", Measurement>;
  ratios: {
    get_unnamed_vs_prepared: number;
    get_unnamed_vs_prepared_per_round: number[];
    get_replica_vs_prepared: number;
    get_pgbouncer_vs_prepared: number;
    signup_pgbouncer_vs_direct: number;
    signup_rate_limited_vs_direct: number;
    signup_rate_limited_vs_direct_per_round: number[];
  };
  prepare_default: { unnamed_cost_pct: number; unnamed_cost_pct_median_of_rounds: number; threshold_pct: number; decision: string };
  rate_limiter_added_ms: { p50: number; p95: number };
  steady_state_reads_replica: ReadsSince;
  read_your_writes: { replica: ReadYourWrites; delayed_replica: ReadYourWrites };
  read_your_writes_foreign_cpu_pct: number;
  service_logs: Record<string, ReturnType<typeof summariseServiceLog>>;
}

const rounds = (m: Measurement) => (m.rounds_rps ?? []).join(", ");
const share = (reads: ReadsSince) => `${reads.primary} / ${reads.total} (${fixed(reads.primary_share_pct, 1)} %)`;

function measurementRow(label: string, m: Measurement, ratio: number | string, foreign: Measurement[]) {
  return tableRow([
    label,
    fixed(m.rps),
    fixed(m.p50, 2),
    fixed(m.p95, 2),
    fixed(m.p99, 2),
    ratio,
    m.errors,
    rounds(m),
    foreign.map((x) => x.foreign_cpu_pct).join(", "),
  ]);
}

/** The tables, without the title line (the README section reuses them). */
function tables(r: ScaleResults) {
  const c = r.config;
  const g = r.get;
  const s = r.signup;
  const q = r.ratios;
  const lines = [
    `Machine: ${r.machine.nproc} cores, ${r.machine.cpu_model}, Bun ${r.machine.bun}. Servers of the bench's own: PostgreSQL ` +
      `(initdb, fsync off) with a streaming replica and one ${c.replica_apply_delay_ms} ms behind, ${c.pgbouncer}. ` +
      `wrk, ${c.httpConnections} connections for GET (a random one of ${c.fixtureUsers} users per request), ${c.signupConnections} for signups; ` +
      `${c.seconds} s measured after ${c.warmup} s warm-up, ${c.rounds} rounds alternating the copies; the median round is shown.`,
  ];
  if (r.noisy || r.foreign_cpu_pct_at_start >= NOISY_FOREIGN_CPU_PCT) {
    lines.push(
      "",
      `> Noise: other processes used >= ${NOISY_FOREIGN_CPU_PCT}% of the machine during some measurements (the "foreign CPU" column, % of the whole machine); ` +
        "the copies were measured alternating, so drift hits them alike, but the ratios are less trustworthy.",
    );
  }
  const header = [
    "| path | req/s | P50 ms | P95 ms | P99 ms | vs the first row | failed | rounds (req/s) | foreign CPU % |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  lines.push(
    "",
    "`GET /users/{id}`:",
    "",
    ...header,
    measurementRow("primary, prepared statements (default)", g.prepared, "1", r.rounds.get_prepared ?? []),
    measurementRow("primary, `DATABASE_PREPARE=false`", g.unnamed, q.get_unnamed_vs_prepared, r.rounds.get_unnamed ?? []),
    measurementRow("`READ_DATABASE_URL` on the streaming replica", g.replica, q.get_replica_vs_prepared, r.rounds.get_replica ?? []),
    measurementRow(
      "pgbouncer (transaction mode), `DATABASE_PREPARE=false`",
      g.pgbouncer,
      q.get_pgbouncer_vs_prepared,
      r.rounds.get_pgbouncer ?? [],
    ),
    "",
    `Unnamed vs prepared statements: GET throughput ratio ${q.get_unnamed_vs_prepared} (per round ${q.get_unnamed_vs_prepared_per_round.join(", ")}), ` +
      `a cost of ${r.prepare_default.unnamed_cost_pct} % (median of the per-round ratios: ${r.prepare_default.unnamed_cost_pct_median_of_rounds} %); ` +
      `threshold ${r.prepare_default.threshold_pct} %: **${r.prepare_default.decision}**.`,
    "",
    `\`POST /signup\` (unique email and key per request, argon2id):`,
    "",
    ...header,
    measurementRow("primary (direct)", s.direct, "1", r.rounds.signup_direct ?? []),
    measurementRow(
      "pgbouncer (transaction mode), `DATABASE_PREPARE=false`",
      s.pgbouncer,
      q.signup_pgbouncer_vs_direct,
      r.rounds.signup_pgbouncer ?? [],
    ),
    measurementRow(
      `primary, \`RATE_LIMIT_SIGNUP=${c.rate_limit_signup}\` (never refuses)`,
      s.rate_limited,
      q.signup_rate_limited_vs_direct,
      r.rounds.signup_rate_limited ?? [],
    ),
    "",
    `Rate limiter's added signup latency (limiter on minus off, same run): P50 ${fixed(r.rate_limiter_added_ms.p50, 2)} ms, ` +
      `P95 ${fixed(r.rate_limiter_added_ms.p95, 2)} ms; throughput ratio ${q.signup_rate_limited_vs_direct} ` +
      `(per round ${q.signup_rate_limited_vs_direct_per_round.join(", ")}). Every request comes from 127.0.0.1: one bucket row for all ${c.signupConnections} connections.`,
    "",
    `Read-your-writes: ${c.ryw_signups} signups from ${c.ryw_clients} clients, each followed at once by GET of its \`Location\`; ` +
      `reads by database from the copy's \`user_reads_total{database,reason}\` (foreign CPU meanwhile ${r.read_your_writes_foreign_cpu_pct} %):`,
    "",
    "| replica | 201s | stale (non-200) | another row | primary / all reads right after the 201 | the same users read again after " +
      `${r.read_your_writes.replica.settle_ms} ms: primary / all | reads by database/reason right after |`,
    "| --- | ---: | ---: | ---: | --- | --- | --- |",
  );
  for (const [label, ryw] of [
    ["streaming replica", r.read_your_writes.replica],
    [`streaming replica, \`recovery_min_apply_delay = ${c.replica_apply_delay_ms}ms\``, r.read_your_writes.delayed_replica],
  ] as const) {
    lines.push(
      tableRow([
        label,
        ryw.created,
        ryw.stale,
        ryw.wrong_row,
        share(ryw.reads_after_signup),
        share(ryw.reads_later),
        Object.entries(ryw.reads_after_signup.counts)
          .map(([k, n]) => `${k}: ${n}`)
          .join(", "),
      ]),
    );
  }
  const steady = r.steady_state_reads_replica;
  lines.push(
    "",
    `Steady state: the replica copy's reads of existing users during its GET rounds (warm-ups included): primary ${share(steady)}; ` +
      `${Object.entries(steady.counts)
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ")}.`,
  );
  if (r.discarded_rounds.length) {
    lines.push(
      "",
      `Rounds done again because other processes were busy: ${r.discarded_rounds.map((d) => `${d.round} (${d.reason})`).join("; ")}.`,
    );
  }
  const logs = Object.entries(r.service_logs).map(([name, l]) => `${name} ${JSON.stringify(l.levels)}`);
  lines.push("", `Service logs (lines per level): ${logs.join("; ")}.`, "");
  return lines;
}

export function writeScaleReport(results: ScaleResults, name: string) {
  const resultsDir = join(BENCH_DIR, "results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const body = tables(results);
  const md = [`# signup-service scale paths bench, ${results.started_at}`, "", ...body].join("\n");
  writeFileSync(join(resultsDir, `${name}.md`), md);
  updateReadmeSection("scale", `From \`bench/results/${name}.md\`:\n\n${body.join("\n")}`);
  console.log(`\n${md}`);
  log(`wrote bench/results/${name}.{json,md}`);
}
