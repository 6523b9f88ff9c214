/**
 * Shared plumbing for the CI checks in this folder: a hard deadline, cleanup of every process and
 * temp folder a check creates (also on failure, timeout, SIGINT and SIGTERM), and starting
 * dist/signup-service on a free loopback port with an embedded database in a temp DATA_DIR.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "..");
export const BINARY = join(ROOT, "dist/signup-service");

type Cleanup = () => void | Promise<void>;
const cleanups: Cleanup[] = [];
const children = new Set<Subprocess>();
let finishing = false;

export class CheckFailure extends Error {}

/** Fails the check with a message (no stack trace is printed for these). */
export function fail(message: string): never {
  throw new CheckFailure(message);
}

export function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);
}

/** Runs a cleanup when the check ends, however it ends; the last registered runs first. */
export function onCleanup(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

/** A new temp folder, removed when the check ends unless `keep`. */
export function tempDir(prefix: string, keep = false): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!keep) onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function killChildrenNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

async function runCleanups(): Promise<void> {
  // SIGTERM first so the children can flush; then whatever is left gets SIGKILL.
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
  const exited = Promise.all([...children].map((child) => child.exited.catch(() => undefined)));
  await Promise.race([exited, Bun.sleep(5_000)]);
  killChildrenNow();
  await Promise.race([exited, Bun.sleep(2_000)]);
  for (const cleanup of cleanups.reverse()) {
    try {
      await Promise.race([cleanup(), Bun.sleep(10_000)]);
    } catch (error) {
      console.error(`cleanup failed: ${String(error)}`);
    }
  }
}

async function finish(code: number): Promise<never> {
  if (!finishing) {
    finishing = true;
    await runCleanups();
  }
  process.exit(code);
}

/**
 * Runs a check with a hard deadline: whatever happens the children are stopped, temp folders are
 * removed, and the process exits 0 (passed) or 1 (failed, timed out or interrupted).
 */
export function runCheck(name: string, deadlineMs: number, body: () => Promise<void>): void {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  // Last resort if cleanup itself hangs: the process never outlives deadline + 20 s.
  process.on("exit", killChildrenNow);
  const timer = setTimeout(() => {
    console.error(`\nFAIL ${name}: timed out after ${deadlineMs / 1000} s`);
    setTimeout(() => {
      killChildrenNow();
      process.exit(1);
    }, 20_000).unref();
    void finish(1);
  }, deadlineMs);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      console.error(`\nFAIL ${name}: interrupted by ${signal}`);
      void finish(1);
    });
  }
  body().then(
    () => {
      clearTimeout(timer);
      console.log(`\nPASS ${name} (${elapsed()})`);
      return finish(0);
    },
    (error: unknown) => {
      clearTimeout(timer);
      const message = error instanceof CheckFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`\nFAIL ${name} (${elapsed()}): ${message}`);
      return finish(1);
    },
  );
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** fetch with a timeout; never hangs. */
export function fetchWithin(url: string, init: RequestInit = {}, timeoutMs = 5_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

export interface Child {
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** The last lines the child printed (stdout and stderr), for failure messages. */
  lines: string[];
  tail(count?: number): string;
}

/** Spawns a child that is stopped when the check ends; its output is kept (last 400 lines), not printed. */
export function spawnChild(cmd: string[], options: { cwd?: string; env: Record<string, string> }): Child {
  const child = Bun.spawn(cmd, { cwd: options.cwd, env: options.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.add(child);
  const lines: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 400) lines.shift();
      }
    }
    if (pending) lines.push(pending);
  };
  void collect(child.stdout).catch(() => undefined);
  void collect(child.stderr).catch(() => undefined);
  return {
    process: child,
    lines,
    tail: (count = 30) => lines.slice(-count).map((line) => `    | ${line}`).join("\n"),
  };
}

export interface Service extends Child {
  url: string;
}

/** Starts dist/signup-service on a free 127.0.0.1 port with an embedded database in a temp DATA_DIR. */
export async function startService(timeoutMs = 30_000): Promise<Service> {
  if (!existsSync(BINARY)) fail(`${BINARY} is missing: run \`bun run build\` first`);
  const dataDir = tempDir("signup-check-data-");
  // A clean environment: an inherited DATABASE_URL must not point the check at another database.
  const child = spawnChild([BINARY], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dataDir,
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: join(dataDir, "data"),
      LOG_LEVEL: "info",
      IDEMPOTENCY_SECRET: "ci-check-idempotency-secret-0123456789",
    },
  });
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  while (port === undefined) {
    for (const line of child.lines) {
      if (!line.includes('"msg":"listening"')) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === "object" && parsed !== null && "port" in parsed && typeof parsed.port === "number") port = parsed.port;
      } catch {
        // not JSON after all; keep looking
      }
    }
    if (port !== undefined) break;
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      fail(`signup-service exited (${child.process.exitCode ?? child.process.signalCode}) before listening:\n${child.tail()}`);
    }
    if (Date.now() > deadline) fail(`signup-service logged no "listening" line within ${timeoutMs / 1000} s:\n${child.tail()}`);
    await Bun.sleep(50);
  }
  const url = `http://127.0.0.1:${port}`;
  while ((await fetchWithin(`${url}/ready`, {}, 2_000).catch(() => undefined))?.status !== 200) {
    if (child.process.exitCode !== null) fail(`signup-service exited (${child.process.exitCode}) before ready:\n${child.tail()}`);
    if (Date.now() > deadline) fail(`signup-service at ${url} was not ready within ${timeoutMs / 1000} s:\n${child.tail()}`);
    await Bun.sleep(100);
  }
  return { ...child, url };
}
