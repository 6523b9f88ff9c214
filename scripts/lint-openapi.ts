// Lints the served OpenAPI document with Redocly's recommended rules; exits non-zero on an error.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApiDocument } from "./openapi-document";

const dir = mkdtempSync(join(tmpdir(), "openapi-lint-"));
try {
  const file = join(dir, "openapi.json");
  writeFileSync(file, JSON.stringify(await openApiDocument(), null, 2));
  const lint = Bun.spawnSync(["bun", "x", "--bun", "--no-install", "redocly", "lint", "--extends=recommended", "--format=stylish", file], {
    stdout: "inherit",
    stderr: "inherit",
    // Offline: no usage telemetry, no update check.
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  });
  process.exitCode = lint.exitCode ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
