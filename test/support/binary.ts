import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const ROOT = resolve(import.meta.dir, "../..");
export const BINARY = join(ROOT, "dist/signup-service");

let build: Promise<void> | undefined;

/** Builds dist/signup-service once per test run, exactly as `bun run build` does. */
export function buildBinary(): Promise<void> {
  build ??= (async () => {
    const result = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`build failed:\n${result.stderr.toString()}`);
  })();
  return build;
}

/** A new empty folder holding nothing but a copy of the binary. */
export function binaryInEmptyFolder(): { dir: string; binary: string } {
  const dir = mkdtempSync(join(tmpdir(), "signup-e2e-"));
  const binary = join(dir, "signup-service");
  copyFileSync(BINARY, binary);
  Bun.spawnSync(["chmod", "+x", binary]);
  return { dir, binary };
}

export interface RunningService {
  url: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Every line the service printed so far (stdout NDJSON and stderr). */
  lines: string[];
  stop(signal?: NodeJS.Signals): Promise<number>;
}

const BASE_ENV = { IDEMPOTENCY_SECRET: "e2e-idempotency-secret-0123456789", LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1" };

/** Starts the binary, reads its port from the "listening" log line, and waits for /ready (unless told not to). */
export async function startService(
  binary: string,
  options: { cwd: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number; waitUntilReady?: boolean },
): Promise<RunningService> {
  const child = Bun.spawn([binary, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...BASE_ENV, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  let resolvePort: (port: number) => void;
  const port = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (line.includes('"msg":"listening"')) resolvePort(JSON.parse(line).port);
      }
    }
  };
  void collect(child.stdout);
  void collect(child.stderr);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const timeout = Bun.sleep(timeoutMs).then(() => undefined);
  const exited = child.exited.then(() => undefined);
  const listening = await Promise.race([port, timeout, exited]);
  if (listening === undefined) {
    child.kill("SIGKILL");
    throw new Error(`service did not start within ${timeoutMs} ms:\n${lines.join("\n")}`);
  }
  const url = `http://127.0.0.1:${listening}`;
  if (options.waitUntilReady ?? true) {
    const deadline = Date.now() + timeoutMs;
    while ((await fetch(`${url}/ready`).catch(() => undefined))?.status !== 200) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`service did not become ready within ${timeoutMs} ms:\n${lines.join("\n")}`);
      }
      await Bun.sleep(50);
    }
  }
  return {
    url,
    process: child,
    lines,
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      return child.exited;
    },
  };
}

/** A valid POST /signup to a running service. */
export const signupAt = (url: string, email: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "Ana", email, password: "Velero-Azul-27", display_name: "Ana G" }),
  });
