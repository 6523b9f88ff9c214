import { describe, expect, test } from "bun:test";
import { dependencyRuleViolations } from "../../scripts/dependency-rule";

// The rule's checker on made-up files; `bun run deps` runs it over src/.
describe("dependency rule", () => {
  const violations = (path: string, text: string) =>
    dependencyRuleViolations([{ path, text }]).map(({ specifier, feature }) => ({ specifier, feature }));
  const contract = { path: "src/idempotency/contract.ts", text: "export type Lease = {};" };

  test("a layer importing a feature breaks it, type-only, re-exported and dynamic imports included", () => {
    expect(violations("src/http/plugin.ts", `import { GateFullError } from "../users/admission-gate";`)).toEqual([
      { specifier: "../users/admission-gate", feature: "users" },
    ]);
    expect(violations("src/observability/metrics.ts", `import type { Outcome } from "../idempotency/guard";`)).toEqual([
      { specifier: "../idempotency/guard", feature: "idempotency" },
    ]);
    expect(violations("src/db/index.ts", `export { x } from "../health/readiness";`)).toEqual([
      { specifier: "../health/readiness", feature: "health" },
    ]);
    expect(violations("src/db/lazy.ts", `const m = await import("../billing/invoice");`)).toEqual([
      { specifier: "../billing/invoice", feature: "billing" },
    ]);
  });

  test("a layer may import layers, root modules, packages and files outside src/; features may import anything", () => {
    const allowed = [
      `import { safeError } from "../db/errors";`,
      `import { SERVICE_NAME } from "../identity";`,
      `import type { Config } from "../config";`,
      `import postgres from "postgres";`,
      `import journal from "../../drizzle/meta/_journal.json";`,
      `import { problem } from "./problem";`,
    ].join("\n");
    expect(violations("src/http/plugin.ts", allowed)).toEqual([]);
    expect(violations("src/users/signup.ts", `import { guard } from "../idempotency/guard"; import { x } from "../http/problem";`)).toEqual(
      [],
    );
  });

  test("a feature with a contract.ts is imported by another feature only through it, and freely from inside", () => {
    const rules = (path: string, text: string) =>
      dependencyRuleViolations([contract, { path, text }]).map(({ specifier, rule }) => ({ specifier, rule }));
    expect(rules("src/users/signup.ts", `import type { KeyLease } from "../idempotency/guard";`)).toEqual([
      { specifier: "../idempotency/guard", rule: "contract" },
    ]);
    expect(rules("src/users/signup.ts", `import { completeKeyQuery } from "../idempotency/contract";`)).toEqual([]);
    expect(rules("src/users/signup.ts", `import { x } from "../idempotency/contract.ts";`)).toEqual([]);
    expect(rules("src/idempotency/guard.ts", `import { keyReused } from "./problems";`)).toEqual([]);
    expect(rules("src/http/plugin.ts", `import type { KeyLease } from "../idempotency/contract";`)).toEqual([
      { specifier: "../idempotency/contract", rule: "layer" },
    ]);
  });
});
