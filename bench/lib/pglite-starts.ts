// The embedded database's start, which the PostgreSQL bench never goes through: the binary on an
// empty DATA_DIR (the cluster template unpacked, the migrations applied), then again on that
// folder, each read once /ready answers 200 and stopped.
import { join } from "node:path";
import { serviceEnv, startListening } from "../../harness/service";
import { log } from "./log.ts";
import { serviceMemoryMb } from "./service.ts";
import { round } from "./stats.ts";

interface StartMeasurement {
  /**
   * VmHWM at ready. The binary replaces itself once at start (execve, same pid) and the kernel
   * counts the peak afresh for the new image; the first image never gets that far (about 20-30 MB).
   */
  peak_mb: number;
  rss_mb: number;
  /** From the spawn to the first 200 from /ready, polled every 50 ms. */
  ready_s: number;
}

export interface PgliteStarts {
  first: StartMeasurement;
  second: StartMeasurement;
}

/** One start on `dataDir`, production-like as the main service, with nothing inherited (so no DATABASE_URL). */
async function measureStart(workDir: string, binary: string, dataDir: string, name: string): Promise<StartMeasurement> {
  const env = serviceEnv({
    DATA_DIR: dataDir,
    NODE_ENV: "production",
    IDEMPOTENCY_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex"),
  });
  const spawnedAt = performance.now();
  const service = await startListening([binary], { cwd: workDir, env, output: { keep: "files", dir: workDir, name }, timeoutMs: 60_000 });
  const readyS = (performance.now() - spawnedAt) / 1000;
  const memory = serviceMemoryMb(service.process.pid);
  const code = await service.stop("SIGTERM", 12_000);
  if (code !== 0) throw new Error(`the ${name} start exited ${code} on SIGTERM:\n${service.tail()}`);
  return { peak_mb: round(memory.peakMb, 1), rss_mb: round(memory.rssMb, 1), ready_s: round(readyS, 2) };
}

export async function measurePgliteStarts(workDir: string, binary: string): Promise<PgliteStarts> {
  const dataDir = join(workDir, "pglite-data");
  const first = await measureStart(workDir, binary, dataDir, "pglite-first-start");
  log(`PGlite first start: peak ${first.peak_mb} MB, RSS ${first.rss_mb} MB after ready, ready in ${first.ready_s} s`);
  const second = await measureStart(workDir, binary, dataDir, "pglite-second-start");
  log(`PGlite second start: peak ${second.peak_mb} MB, RSS ${second.rss_mb} MB after ready, ready in ${second.ready_s} s`);
  return { first, second };
}
