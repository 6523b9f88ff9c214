/**
 * Starting dist/signup-service (or any child that announces its port the same way) for the
 * end-to-end tests, the bench and the CI checks: the build, a copy of the binary, a free port,
 * the "listening" line, the wait for /ready, and the shutdown.
 */
import { copyFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROBE_PATHS } from "../src/identity";
import { type Child, type Environment, type OutputCapture, spawnChild } from "./processes";

export const ROOT = resolve(import.meta.dir, "..");
export const BINARY = join(ROOT, "dist/signup-service");

let build: Promise<void> | undefined;

/** Builds dist/signup-service once per process, exactly as `bun run build` does. */
export function buildBinary(timeoutMs = 300_000): Promise<void> {
  build ??= (async () => {
    const child = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
    const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    if (exitCode !== 0) throw new Error(`bun run build exited ${exitCode}:\n${stderr}`);
  })();
  return build;
}

/** Copies the binary (dist/ unless told otherwise) into `dir`, so a rebuild of dist/ cannot swap it underneath. */
export function copyBinary(dir: string, source = BINARY): string {
  const binary = join(dir, "signup-service");
  copyFileSync(source, binary);
  Bun.spawnSync(["chmod", "+x", binary]);
  return binary;
}

/** A TCP port that was free on 127.0.0.1 a moment ago (reserved, then released). */
export function freePort(): number {
  const reserved = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = reserved.port;
  reserved.stop(true);
  return port;
}

/**
 * What every started copy of the service gets: loopback, a port of the kernel's choosing (read
 * back from the "listening" line), info logs, a fixed fingerprint secret (so several copies
 * agree on a key's fingerprint), and PATH; nothing else is inherited.
 */
export function serviceEnv(overrides: Environment = {}): Environment {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    IDEMPOTENCY_SECRET: "harness-idempotency-secret-0123456789",
    ...overrides,
  };
}

/** Polls `url`'s readiness probe until it answers 200; false after `timeoutMs`, or as soon as `child` exits. */
export async function waitForReady(url: string, options: { timeoutMs: number; child?: Child }): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.child && options.child.process.exitCode !== null) return false;
    const response = await fetch(`${url}${PROBE_PATHS.ready}`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (response?.status === 200) return true;
    await Bun.sleep(50);
  }
  return false;
}

export interface RunningChild extends Child {
  port: number;
  url: string;
}

export interface StartOptions {
  cwd?: string;
  /** The whole environment (see `serviceEnv`). */
  env: Environment;
  output?: OutputCapture;
  /** For the "listening" line, and again for readiness. */
  timeoutMs?: number;
  /** Wait until /ready answers 200 (the default); false for a child without the probe, or a test of the wait itself. */
  waitUntilReady?: boolean;
  /** The port `env.PORT` fixes, for a child that logs no "listening" line (LOG_LEVEL above info). */
  port?: number;
}

/** The port in a `{"msg":"listening","port":N}` line, as the service and the bench's baselines print it. */
function listeningPort(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    if (!line.includes('"msg":"listening"')) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === "object" && parsed !== null && "port" in parsed && typeof parsed.port === "number") return parsed.port;
    } catch {
      // Not a JSON line after all: keep looking.
    }
  }
  return undefined;
}

/**
 * Starts `cmd`, reads its port from its "listening" line and (unless told not to) waits for
 * /ready. On failure the child is killed and the error carries the last lines it printed.
 */
export async function startListening(cmd: string[], options: StartOptions): Promise<RunningChild> {
  const child = spawnChild(cmd, { cwd: options.cwd, env: options.env, output: options.output });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const failed = (what: string) => {
    child.process.kill("SIGKILL");
    return new Error(`${cmd[0]} ${what}:\n${child.tail()}`);
  };
  const deadline = Date.now() + timeoutMs;
  let port = options.port ?? listeningPort(child.lines);
  while (port === undefined) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw failed(`exited (${child.process.exitCode ?? child.process.signalCode}) before listening`);
    }
    if (Date.now() > deadline) throw failed(`logged no "listening" line within ${timeoutMs} ms`);
    await Bun.sleep(20);
    port = listeningPort(child.lines);
  }
  const url = `http://127.0.0.1:${port}`;
  if ((options.waitUntilReady ?? true) && !(await waitForReady(url, { timeoutMs: Math.max(deadline - Date.now(), 1_000), child }))) {
    throw failed(`at ${url} was not ready within ${timeoutMs} ms`);
  }
  return Object.assign(child, { port, url });
}
