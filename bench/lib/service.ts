// The service under test: its binary, its start, and the requests the bench makes to it directly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildBinary, copyBinary, type RunningChild, serviceEnv, waitForReady } from "../../harness/service";
import { LOG_LEVELS } from "../../src/observability/log-levels";
import { log } from "./log.ts";
import { startServer } from "./process.ts";

/** The service's output files in the work folder: <name>.log (stdout) and <name>.err. */
const SERVICE_OUTPUT = "service";

/** Builds (unless told not to) and copies the binary into the work folder, so a rebuild of dist/ during the bench cannot swap it. */
export async function prepareBinary(workDir: string) {
  const other = process.env.BENCH_BINARY;
  if (process.env.BENCH_SKIP_BUILD !== "1" && !other) {
    log("bun run build");
    await buildBinary();
  }
  return copyBinary(workDir, other);
}

export interface ServiceOptions {
  /** Names its log files in the work folder, when several copies run. */
  name?: string;
  /** Settings beyond the production-like ones (e.g. READ_DATABASE_URL). */
  env?: Record<string, string>;
}

/** Production-like: what a deployment sets, everything else at its default. */
export async function startService(
  workDir: string,
  binary: string,
  databaseUrl: string,
  options: ServiceOptions = {},
): Promise<RunningChild> {
  const env = serviceEnv({
    ...options.env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: "production",
    IDEMPOTENCY_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex"),
  });
  const service = await startServer(workDir, options.name ?? SERVICE_OUTPUT, [binary], env);
  if (!(await waitForReady(service.url, { timeoutMs: 10_000, child: service }))) throw new Error("the service never became ready");
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
export function printServiceLogTail(workDir: string, service = SERVICE_OUTPUT) {
  for (const name of [`${service}.err`, `${service}.log`]) {
    let text: string;
    try {
      text = readFileSync(join(workDir, name), "utf8");
    } catch {
      continue;
    }
    const tail = text
      .split("\n")
      .filter((l) => l && !l.includes('"msg":"request"'))
      .slice(-8);
    if (tail.length) console.error(`--- ${name} (last lines other than access log):\n${tail.map((l) => l.slice(0, 400)).join("\n")}`);
  }
}

/** The service's memory now and at its peak, in MB, from /proc. */
export function serviceMemoryMb(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s*(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

const WARNING_LEVELS = LOG_LEVELS.slice(LOG_LEVELS.indexOf("warn"), LOG_LEVELS.indexOf("silent"));

/** How many lines per level the service logged, and the first few warnings or errors. */
export function summariseServiceLog(workDir: string, service = SERVICE_OUTPUT) {
  const lines = readFileSync(join(workDir, `${service}.log`), "utf8")
    .split("\n")
    .filter(Boolean);
  const levels: Record<string, number> = {};
  for (const line of lines) {
    const level = /"level":"?(\w+)"?/.exec(line)?.[1] ?? "unparsed";
    levels[level] = (levels[level] ?? 0) + 1;
  }
  const warnings = lines
    .filter((l) => WARNING_LEVELS.some((level) => l.includes(`"level":"${level}"`)))
    .slice(0, 5)
    .map((l) => l.slice(0, 300) + (l.length > 600 ? ` ... ${l.slice(-300)}` : ""));
  return { lines: lines.length, levels, warnings };
}
