// The service under test: its binary, its start, and the requests the bench makes to it directly.
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./config.ts";
import { log } from "./log.ts";
import { mustRun, type Server, startServer } from "./process.ts";

/** Builds (unless told not to) and copies the binary into the work folder, so a rebuild of dist/ during the bench cannot swap it. */
export async function prepareBinary(workDir: string) {
  const other = process.env.BENCH_BINARY;
  if (process.env.BENCH_SKIP_BUILD !== "1" && !other) {
    log("bun run build");
    await mustRun(["bun", "run", "build"], { timeoutMs: 300_000 });
  }
  const binary = join(workDir, "signup-service");
  copyFileSync(other ?? join(ROOT, "dist/signup-service"), binary);
  Bun.spawnSync(["chmod", "+x", binary]);
  return binary;
}

export async function waitForReady(url: string, attempts: number, intervalMs: number) {
  for (let i = 0; i < attempts; i++) {
    if (await fetch(`${url}/ready`).then((r) => r.status === 200, () => false)) return true;
    await Bun.sleep(intervalMs);
  }
  return false;
}

/** Production-like: what a deployment sets, everything else at its default. */
export async function startService(workDir: string, binary: string, databaseUrl: string): Promise<Server> {
  const service = await startServer(workDir, "service", [binary], {
    DATABASE_URL: databaseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    IDEMPOTENCY_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex"),
  });
  if (!(await waitForReady(service.url, 200, 50))) throw new Error("the service never became ready");
  return service;
}

/** A signup whose display name is its name, at an email no other run uses. */
export function signupJson(name: string, emailLocalPart: string) {
  return JSON.stringify({ name, email: `${emailLocalPart}@bench.example.com`, password: "Velero-Azul-27", display_name: name });
}

export function postSignup(url: string, idempotencyKey: string, body: string) {
  return fetch(`${url}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
    body,
  });
}

/** Lines of the access log are the bulk of the service's log; the rest is what explains a failure. */
export function printServiceLogTail(workDir: string) {
  for (const name of ["service.err", "service.log"]) {
    let text: string;
    try {
      text = readFileSync(join(workDir, name), "utf8");
    } catch {
      continue;
    }
    const tail = text.split("\n").filter((l) => l && !l.includes('"msg":"request"')).slice(-8);
    if (tail.length) console.error(`--- ${name} (last lines other than access log):\n${tail.map((l) => l.slice(0, 400)).join("\n")}`);
  }
}

/** The service's memory now and at its peak, in MB, from /proc. */
export function serviceMemoryMb(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s*(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/** How many lines per level the service logged, and the first few warnings or errors. */
export function summariseServiceLog(logPath: string) {
  const lines = readFileSync(logPath, "utf8").split("\n").filter(Boolean);
  const levels: Record<string, number> = {};
  for (const line of lines) {
    const level = /"level":"?(\w+)"?/.exec(line)?.[1] ?? "unparsed";
    levels[level] = (levels[level] ?? 0) + 1;
  }
  const warnings = lines
    .filter((l) => /"level":"?(warn|error|fatal|40|50|60)\b/.test(l))
    .slice(0, 5)
    .map((l) => l.slice(0, 300) + (l.length > 600 ? ` ... ${l.slice(-300)}` : ""));
  return { lines: lines.length, levels, warnings };
}
