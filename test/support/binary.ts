import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyBinary, type RunningChild, serviceEnv, startListening } from "../../harness/service";

export { BINARY, buildBinary } from "../../harness/service";

/** A new empty folder holding nothing but a copy of the binary. */
export function binaryInEmptyFolder(): { dir: string; binary: string } {
  const dir = mkdtempSync(join(tmpdir(), "signup-e2e-"));
  return { dir, binary: copyBinary(dir) };
}

/** A started copy of the service; `lines` holds every line it printed so far (stdout NDJSON and stderr). */
export type RunningService = RunningChild;

/** Starts the binary with the harness's environment plus `env`, and waits for /ready (unless told not to). */
export function startService(
  binary: string,
  options: { cwd: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number; waitUntilReady?: boolean },
): Promise<RunningService> {
  return startListening([binary, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: serviceEnv(options.env),
    timeoutMs: options.timeoutMs,
    waitUntilReady: options.waitUntilReady,
  });
}

/** A valid POST /signup to a running service. */
export const signupAt = (url: string, email: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "Ana", email, password: "Velero-Azul-27", display_name: "Ana G" }),
  });
