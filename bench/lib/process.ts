// Every process the bench starts is tracked here, so an error or a signal never leaves one running.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./config.ts";

const children = new Set<Bun.Subprocess>();

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
  children.add(proc);
  const timer = options.timeoutMs ? setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs) : undefined;
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  children.delete(proc);
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

export interface Server {
  proc: Bun.Subprocess;
  port: number;
  logPath: string;
  url: string;
}

/** Starts a long-running process whose stdout goes to a file; resolves once its "listening" line names a port. */
export async function startServer(workDir: string, name: string, cmd: string[], extraEnv: Record<string, string>): Promise<Server> {
  const logPath = join(workDir, `${name}.log`);
  const errPath = join(workDir, `${name}.err`);
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    env: { ...process.env, ...extraEnv },
    stdout: Bun.file(logPath),
    stderr: Bun.file(errPath),
  });
  children.add(proc);
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) break;
    const text = existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
    for (const line of text.split("\n")) {
      if (!line.includes('"listening"')) continue;
      const port = (JSON.parse(line) as { port?: number }).port;
      if (port) return { proc, port, logPath, url: `http://127.0.0.1:${port}` };
    }
    await Bun.sleep(50);
  }
  throw new Error(`${name} did not start: ${readFileSync(errPath, "utf8").slice(-2000)}`);
}

export async function stopProcess(proc: Bun.Subprocess, timeoutMs = 12_000) {
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(timeoutMs).then(() => false)]);
    if (!exited) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
  children.delete(proc);
}

export async function stopAll(timeoutMs: number) {
  for (const child of [...children]) await stopProcess(child, timeoutMs);
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
      for (const child of children) child.kill("SIGKILL");
      process.exit(130);
    });
  }
}
