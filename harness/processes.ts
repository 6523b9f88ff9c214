/**
 * Child processes started by the end-to-end tests, the bench and the CI checks: their output
 * captured as lines (in memory, or in files when there is too much of it to keep), and every one
 * of them tracked, so a failure, a timeout or a signal never leaves one running.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export type Environment = Record<string, string | undefined>;

/** Where a child's stdout and stderr go. */
export type OutputCapture =
  /** Every line, in memory: what the tests read back. */
  | { keep: "all" }
  /** The last `lines` lines, in memory: enough to explain a failure. */
  | { keep: "last"; lines: number }
  /** `<dir>/<name>.log` (stdout) and `<dir>/<name>.err` (stderr): for a child that logs millions of lines. */
  | { keep: "files"; dir: string; name: string };

export interface SpawnOptions {
  cwd?: string;
  /** The whole environment of the child: nothing is inherited that is not listed. */
  env: Environment;
  output?: OutputCapture;
}

export interface Child {
  process: Subprocess;
  /** What the child printed so far (stdout and stderr), as far as the capture keeps it. */
  readonly lines: string[];
  /** The stdout file, when the output goes to files. */
  logPath?: string;
  /** The last lines, indented, for a failure message. */
  tail(count?: number): string;
  /** Sends `signal`; after `graceMs` without an exit, SIGKILL. Resolves to the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number>;
}

const children = new Set<Subprocess>();

const isRunning = (child: Subprocess) => child.exitCode === null && child.signalCode === null;

/** Tracks a process spawned elsewhere, until it exits. */
export function track(child: Subprocess): void {
  children.add(child);
  void child.exited.finally(() => children.delete(child));
}

/** SIGKILL to every tracked child that still runs, now. */
export function killChildren(): void {
  for (const child of children) if (isRunning(child)) child.kill("SIGKILL");
}

/** SIGTERM to every tracked child, then SIGKILL to those still running after `graceMs`. */
export async function stopChildren(graceMs: number): Promise<void> {
  const running = [...children].filter(isRunning);
  for (const child of running) child.kill("SIGTERM");
  const exited = Promise.all(running.map((child) => child.exited.catch(() => undefined)));
  await Promise.race([exited, Bun.sleep(graceMs)]);
  killChildren();
  await Promise.race([exited, Bun.sleep(2_000)]);
}

async function stop(child: Subprocess, signal: NodeJS.Signals, graceMs: number): Promise<number> {
  if (isRunning(child)) {
    child.kill(signal);
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
    if (!exited) child.kill("SIGKILL");
  }
  return child.exited;
}

async function collectLines(stream: ReadableStream<Uint8Array>, lines: string[], keepLast: number): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > keepLast) lines.shift();
  };
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) keep(line);
  }
  if (pending) keep(pending);
}

const readLines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);

/** Spawns a tracked child with its output captured (all of it in memory unless told otherwise). */
export function spawnChild(cmd: string[], options: SpawnOptions): Child {
  const output = options.output ?? { keep: "all" };
  const base = { cwd: options.cwd, env: options.env, stdin: "ignore" as const };
  let child: Subprocess;
  let lines: () => string[];
  let logPath: string | undefined;
  if (output.keep === "files") {
    logPath = join(output.dir, `${output.name}.log`);
    const errPath = join(output.dir, `${output.name}.err`);
    child = Bun.spawn(cmd, { ...base, stdout: Bun.file(logPath), stderr: Bun.file(errPath) });
    const paths = [logPath, errPath];
    lines = () => paths.flatMap(readLines);
  } else {
    const piped = Bun.spawn(cmd, { ...base, stdout: "pipe", stderr: "pipe" });
    const kept: string[] = [];
    const keepLast = output.keep === "last" ? output.lines : Number.POSITIVE_INFINITY;
    void collectLines(piped.stdout, kept, keepLast).catch(() => undefined);
    void collectLines(piped.stderr, kept, keepLast).catch(() => undefined);
    child = piped;
    lines = () => kept;
  }
  track(child);
  return {
    process: child,
    get lines() {
      return lines();
    },
    logPath,
    tail: (count = 30) =>
      lines()
        .slice(-count)
        .map((line) => `    | ${line.slice(0, 2_000)}`)
        .join("\n"),
    stop: (signal = "SIGTERM", graceMs = 15_000) => stop(child, signal, graceMs),
  };
}
