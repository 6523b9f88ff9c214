/**
 * CI check: docker-compose.yml is valid for docker-compose (v1, from Debian; no engine needed)
 * and lists the six services of the stack.
 *
 *   bun checks/compose.ts
 *
 * Runs on a copy with `.env` made from `.env.sample`, as the README's quick start does.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../harness/service";

const SERVICES = ["app", "grafana", "jaeger", "nats", "postgres", "prometheus"];

const copy = mkdtempSync(join(tmpdir(), "signup-compose-"));
try {
  for (const entry of ["docker-compose.yml", "Dockerfile", "deploy"]) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  cpSync(join(ROOT, ".env.sample"), join(copy, ".env"));
  const env = { ...process.env, IDEMPOTENCY_SECRET: "compose-check-secret-0123456789" };
  const validate = Bun.spawnSync(["docker-compose", "config", "-q"], { cwd: copy, env, stderr: "pipe" });
  if (validate.exitCode !== 0) throw new Error(`docker-compose config -q failed:\n${validate.stderr.toString()}`);
  const listed = Bun.spawnSync(["docker-compose", "config", "--services"], { cwd: copy, env }).stdout.toString();
  const services = listed.trim().split("\n").sort();
  if (services.join(",") !== SERVICES.join(",")) throw new Error(`services are ${services.join(", ")}; expected ${SERVICES.join(", ")}`);
  console.log(`compose: valid, services: ${services.join(", ")}`);
} catch (error) {
  console.error(`compose check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(copy, { recursive: true, force: true });
}
