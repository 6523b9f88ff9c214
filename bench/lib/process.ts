// Every process the bench starts is tracked by the harness, so an error or a signal never leaves one running.
import { type Environment, killChildren, track } from "../../harness/processes";
import { type RunningChild, startListening } from "../../harness/service";
import { ROOT } from "./config.ts";

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export async function run(cmd: string[], options: RunOptions = {}): Promise<RunResult> {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  track(proc);
  const timer = options.timeoutMs ? setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs) : undefined;
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

export async function mustRun(cmd: string[], options: RunOptions = {}) {
  const result = await run(cmd, options);
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The tools print their result as the last line of stdout, after anything else they say. */
export function lastLineJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as T;
}

/**
 * Starts a long-running process (the service or a baseline) with the bench's environment plus
 * `extraEnv`; its stdout goes to `<workDir>/<name>.log`, as the access log is far too big to keep
 * in memory. Resolves once its "listening" line names a port, or at once when `extraEnv.PORT` fixes it
 * (readiness is the caller's to wait for).
 */
export function startServer(workDir: string, name: string, cmd: string[], extraEnv: Environment): Promise<RunningChild> {
  return startListening(cmd, {
    cwd: ROOT,
    env: { ...process.env, ...extraEnv },
    output: { keep: "files", dir: workDir, name },
    timeoutMs: 20_000,
    waitUntilReady: false,
    port: extraEnv.PORT && extraEnv.PORT !== "0" ? Number(extraEnv.PORT) : undefined,
  });
}

/** A process that died mid-run served only part of the load, so nothing measured since is valid. */
export function assertAlive(proc: Bun.Subprocess, name: string) {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    throw new Error(`${name} died during the bench (exit ${proc.exitCode}, signal ${proc.signalCode}); its numbers are void`);
  }
}

/** On Ctrl-C or SIGTERM, kill every child at once rather than wait for the orderly stop. */
export function killChildrenOnSignal(onSignal: (signal: string) => void) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      onSignal(signal);
      killChildren();
      process.exit(130);
    });
  }
}
