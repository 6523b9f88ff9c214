import { statfsSync } from "node:fs";
import { availableParallelism, cpus, freemem, totalmem } from "node:os";

const MB = 1024 * 1024;
const GB = 1024 * MB;
const round1 = (value: number) => Math.round(value * 10) / 10;

function cpuTimes() {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq + cpu.times.idle;
  }
  return { idle, total };
}

/**
 * CPU, memory and disk figures in the seed's /ready shape. CPU usage is measured between two
 * calls (the first call measures since the process started watching).
 */
export function createSystemSnapshot(diskPath: string) {
  let previous = cpuTimes();
  return () => {
    const current = cpuTimes();
    const totalDelta = current.total - previous.total;
    const usage = totalDelta > 0 ? (1 - (current.idle - previous.idle) / totalDelta) * 100 : 0;
    previous = current;
    const total = totalmem();
    const available = freemem();
    let disk = { total_gb: 0, free_gb: 0, used_percent: 0 };
    try {
      const stats = statfsSync(diskPath);
      const diskTotal = stats.blocks * stats.bsize;
      const diskFree = stats.bavail * stats.bsize;
      disk = {
        total_gb: round1(diskTotal / GB),
        free_gb: round1(diskFree / GB),
        used_percent: diskTotal > 0 ? round1(((diskTotal - diskFree) / diskTotal) * 100) : 0,
      };
    } catch {
      // A path that vanished reports zeros rather than failing readiness: disk is informational.
    }
    return {
      cpu: { usage_percent: round1(usage), count: availableParallelism() },
      memory: {
        total_mb: Math.round(total / MB),
        available_mb: Math.round(available / MB),
        used_percent: round1(((total - available) / total) * 100),
      },
      disk,
    };
  };
}
