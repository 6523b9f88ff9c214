import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { timedSpans, withoutSpans } from "../../src/observability/spans";

const countOf = async (registry: Registry, step: string) => {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`request_step_duration_seconds_count{step="${step}"}`));
  return Number(line?.slice(line.lastIndexOf(" ") + 1) ?? 0);
};

describe("timedSpans", () => {
  test("each run is timed under its step name, failures too, and the work's result passes through", async () => {
    const registry = new Registry();
    const spans = timedSpans(withoutSpans, registry);
    expect(await spans.run("validate", {}, async () => 42)).toBe(42);
    await spans.run("validate", {}, async () => Bun.sleep(5));
    await expect(spans.run("db find_user", {}, async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await countOf(registry, "validate")).toBe(2);
    expect(await countOf(registry, "db find_user")).toBe(1);
    const text = await registry.metrics();
    const sum = Number(/request_step_duration_seconds_sum\{step="validate"\} (\S+)/.exec(text)?.[1]);
    expect(sum).toBeGreaterThanOrEqual(0.004);
  });
});
