import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { round } from "./stats.ts";

export type MachineInfo = ReturnType<typeof describeMachine>;

export function describeMachine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  const memTotalKb = Number(/MemTotal:\s*(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  // nproc honours the CPU affinity and cgroup limits this process runs under; os.cpus() does not.
  const nproc = Number(Bun.spawnSync(["nproc"]).stdout.toString().trim()) || cpus().length;
  return {
    nproc,
    cpu_model: model,
    memory_gb: round(memTotalKb / 1024 / 1024, 1),
    memory_total_bytes: totalmem(),
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    bun: Bun.version,
    loadavg_at_start: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number),
  };
}
