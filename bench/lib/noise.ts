// The machine is shared: other sessions' test suites take CPU and may restart PostgreSQL. This
// module measures how much CPU processes outside the bench used, and notices PostgreSQL restarts,
// so a round disturbed by either can be done again instead of skewing a ratio.
import { readdirSync, readFileSync } from "node:fs";
import type postgres from "postgres";
import { CFG, NOISY_FOREIGN_CPU_PCT } from "./config.ts";
import { log } from "./log.ts";
import { round, sum } from "./stats.ts";

export interface CpuSnapshot {
  busy: number;
  total: number;
  /** Time the hypervisor ran something else while this machine's cores wanted to run. */
  steal: number;
  /** This process and its reaped children. */
  self: number;
  /** Each other process of the bench's: its CPU so far. */
  others: Map<number, number>;
}

function machineJiffies() {
  const cpuLine = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const fields = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = sum(fields.slice(0, 8));
  return { busy: total - idle, total, steal: fields[7] ?? 0 };
}

/** Clock ticks a second, as /proc counts CPU time (USER_HZ). */
const TICKS_PER_SECOND = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** A process's CPU time so far (user and system), in microseconds; 0 once it ended. */
export const processCpuUs = (pid: number) => (processJiffies(pid) * 1_000_000) / TICKS_PER_SECOND;

function processJiffies(pid: number, withReapedChildren = false) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Split after the command name, which may itself hold spaces: then state is [0], utime [11],
    // stime [12], cutime [13], cstime [14].
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    const own = (f[11] ?? 0) + (f[12] ?? 0);
    return own + (withReapedChildren ? (f[13] ?? 0) + (f[14] ?? 0) : 0);
  } catch {
    return 0;
  }
}

/** PostgreSQL processes that work for this bench: the server's own (postmaster, checkpointer, WAL
 * writer...) and the backends connected to the bench database; other databases' backends are foreign. */
function postgresPids(dbName: string) {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, "utf8").startsWith("postgres")) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const isBackend = /\(\d+\)|\[local\]/.test(cmdline);
      if (!isBackend || cmdline.includes(dbName)) pids.push(Number(entry));
    } catch {
      // The process ended between readdir and read: it is nobody's CPU any more.
    }
  }
  return pids;
}

/** Every live process in the trees under `roots`, roots included. */
function processTrees(roots: number[]) {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Ended between readdir and read.
    }
  }
  const found = new Set<number>();
  const queue = [...roots];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...found];
}

export class CpuMeter {
  /**
   * `ownTrees` names the roots of process trees that are part of the bench as well (servers it
   * started that left its own tree, such as a PostgreSQL cluster of its own, or children of
   * children such as a server run under another user).
   */
  constructor(
    private readonly dbName: string,
    private readonly ownTrees: () => number[] = () => [],
  ) {}

  /** Machine CPU, and "ours": this process and its reaped children, the given pids and trees, PostgreSQL's. */
  snapshot(pids: number[]): CpuSnapshot {
    const others = new Set([...pids, ...processTrees(this.ownTrees()), ...postgresPids(this.dbName)]);
    others.delete(process.pid);
    return {
      ...machineJiffies(),
      self: processJiffies(process.pid, true),
      others: new Map([...others].map((pid) => [pid, processJiffies(pid)])),
    };
  }

  /** Percent of the whole machine (all cores) used by processes that are not part of this bench since `before`. */
  foreignPctSince(before: CpuSnapshot, pids: number[]) {
    const after = this.snapshot(pids);
    const total = after.total - before.total;
    if (total <= 0) return 0;
    // Per process: one that ended meanwhile (a closed backend) must not take its whole past CPU
    // off ours; one that started meanwhile brings all of its CPU (it is all from this window).
    const others = sum([...after.others].map(([pid, jiffies]) => Math.max(0, jiffies - (before.others.get(pid) ?? 0))));
    const foreign = Math.max(0, after.busy - before.busy - (after.self - before.self) - others);
    return round((100 * foreign) / total, 1);
  }

  /**
   * Percent of the whole machine the hypervisor took since `before` (`steal` in /proc/stat): part
   * of the foreign CPU, and not a process here that could be waited for.
   */
  stealPctSince(before: CpuSnapshot) {
    const after = machineJiffies();
    const total = after.total - before.total;
    return total > 0 ? round((100 * (after.steal - before.steal)) / total, 1) : 0;
  }

  async waitForQuiet(pids: number[]) {
    const deadline = performance.now() + CFG.quietWait * 1000;
    for (;;) {
      const before = this.snapshot(pids);
      await Bun.sleep(1000);
      const pct = this.foreignPctSince(before, pids);
      if (pct < NOISY_FOREIGN_CPU_PCT) return pct;
      if (performance.now() > deadline) {
        log(`the machine is busy (${pct}% CPU used by other processes); measuring anyway, flagged in the results`);
        return pct;
      }
      log(`waiting for other processes to leave the CPU (${pct}% busy)`);
    }
  }
}

async function postmasterStart(admin: postgres.Sql) {
  for (let attempt = 0; ; attempt++) {
    try {
      const [row] = await admin<Array<{ t: string }>>`select pg_postmaster_start_time()::text as t`;
      if (!row) throw new Error("pg_postmaster_start_time() returned no row");
      return row.t;
    } catch (error) {
      // Mid-restart the server refuses connections for a few seconds.
      if (attempt > 30) throw error;
      await Bun.sleep(1000);
    }
  }
}

export class PostgresRestartWatch {
  private constructor(
    private readonly admin: postgres.Sql,
    private startedAt: string,
    private readonly afterRestart: () => Promise<void>,
  ) {}

  /** afterRestart runs once a restart is seen, before restarted() answers (e.g. to wait for the service to reconnect). */
  static async start(admin: postgres.Sql, afterRestart: () => Promise<void>) {
    return new PostgresRestartWatch(admin, await postmasterStart(admin), afterRestart);
  }

  /** True when PostgreSQL restarted since the last call. */
  async restarted() {
    const now = await postmasterStart(this.admin);
    if (now === this.startedAt) return false;
    this.startedAt = now;
    await this.afterRestart();
    return true;
  }
}
