/**
 * Shared plumbing for the CI checks in this folder: a hard deadline, cleanup of every process and
 * temp folder a check creates (also on failure, timeout, SIGINT and SIGTERM), and starting
 * dist/signup-service on a free loopback port with an embedded database in a temp DATA_DIR.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killChildren, type OutputCapture, stopChildren } from "../harness/processes";
import { BINARY, type RunningChild, serviceEnv, startListening } from "../harness/service";

/** What a check keeps of a child's output: enough for a failure message; nothing is printed. */
export const CHECK_OUTPUT: OutputCapture = { keep: "last", lines: 400 };

type Cleanup = () => void | Promise<void>;
const cleanups: Cleanup[] = [];
let finishing = false;

class CheckFailure extends Error {}

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

async function runCleanups(): Promise<void> {
  // SIGTERM first so the children can flush; then whatever is left gets SIGKILL.
  await stopChildren(5_000);
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
  process.on("exit", killChildren);
  const timer = setTimeout(() => {
    console.error(`\nFAIL ${name}: timed out after ${deadlineMs / 1000} s`);
    setTimeout(() => {
      killChildren();
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
      const message =
        error instanceof CheckFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`\nFAIL ${name} (${elapsed()}): ${message}`);
      return finish(1);
    },
  );
}

/** fetch with a timeout; never hangs. */
export function fetchWithin(url: string, init: RequestInit = {}, timeoutMs = 5_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

/** Starts dist/signup-service on a free 127.0.0.1 port with an embedded database in a temp DATA_DIR. */
export async function startService(timeoutMs = 30_000): Promise<RunningChild> {
  if (!existsSync(BINARY)) fail(`${BINARY} is missing: run \`bun run build\` first`);
  const dataDir = tempDir("signup-check-data-");
  // A clean environment: an inherited DATABASE_URL must not point the check at another database.
  const env = serviceEnv({ HOME: dataDir, DATA_DIR: join(dataDir, "data") });
  try {
    return await startListening([BINARY], { cwd: dataDir, env, output: CHECK_OUTPUT, timeoutMs });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}
