import { describe, expect, test } from "bun:test";
import { openPostgres } from "../../src/db/postgres";
import { createTestApp, get, json } from "../support/app";
import { describeOnEachDriver } from "../support/databases";
import { useTestDatabase } from "../support/suite";

describeOnEachDriver("/ready on %s", (driver) => {
  const database = useTestDatabase(driver);

  test("200 with the database and system checks in the seed's shape", async () => {
    const { app } = createTestApp(database.handle);
    const response = await app.handle(get("/ready"));
    expect(response.status).toBe(200);
    const ready = await json(response);
    expect(ready).toMatchObject({ status: "ready", service: "signup-service", checks: { database: { status: "healthy" } } });
    expect(typeof ready.version).toBe("string");
    expect(typeof ready.uptime_seconds).toBe("number");
    expect(typeof ready.checks.database.latency_ms).toBe("number");
    const { cpu, memory, disk } = ready.checks.system;
    for (const value of [cpu.usage_percent, cpu.count, memory.total_mb, memory.available_mb, memory.used_percent]) {
      expect(typeof value).toBe("number");
    }
    expect(cpu.count).toBeGreaterThan(0);
    expect(memory.total_mb).toBeGreaterThan(0);
    expect(Object.keys(disk).sort()).toEqual(["free_gb", "total_gb", "used_percent"]);
  });

  test("503 not_ready while starting and while shutting down; signup refuses work while starting", async () => {
    const { app, readiness } = createTestApp(database.handle);
    for (const state of ["starting", "shutting_down"] as const) {
      readiness.set(state);
      const response = await app.handle(get("/ready"));
      expect(response.status).toBe(503);
      expect(await json(response)).toMatchObject({ status: "not_ready", reason: state });
    }
    readiness.set("starting");
    const signup = await app.handle(
      new Request("http://localhost/signup", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    );
    expect(signup.status).toBe(503);
    expect(signup.headers.get("retry-after")).toBe("1");
    expect((await app.handle(get("/health"))).status).toBe(200);
  });
});

describe("/ready with the database gone", () => {
  test("503 within the 1 s check timeout, /health still 200", async () => {
    const unreachable = openPostgres({ url: "postgres://postgres@127.0.0.1:1/none", poolMax: 1 });
    const { app } = createTestApp(unreachable);
    const started = performance.now();
    const response = await app.handle(get("/ready"));
    expect(performance.now() - started).toBeLessThan(1500);
    expect(response.status).toBe(503);
    expect(await json(response)).toMatchObject({ status: "not_ready", checks: { database: { status: "unhealthy" } } });
    expect((await app.handle(get("/health"))).status).toBe(200);
    await unreachable.close();
  });

  test("a database that accepts connections but never answers: 503 after the 1 s timeout, not a hang", async () => {
    const blackHole = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const silent = openPostgres({ url: `postgres://postgres@127.0.0.1:${blackHole.port}/none`, poolMax: 1 });
    const { app } = createTestApp(silent);
    const started = performance.now();
    const response = await app.handle(get("/ready"));
    const elapsed = performance.now() - started;
    expect(response.status).toBe(503);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1500);
    blackHole.stop(true);
    await silent.close();
  });
});
