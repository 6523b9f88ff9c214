import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { freePort } from "../../harness/service";
import { signupAt, startService } from "../support/binary";
import { postgresUrl } from "../support/databases";
import { startRelay } from "../support/faults";
import { useBinaryInEmptyFolder, useEmptyPostgresDatabase } from "../support/suite";

// Builds the binary and starts it several times.
setDefaultTimeout(60_000);

describe("the binary's lifecycle", () => {
  const folder = useBinaryInEmptyFolder();

  test("`healthcheck` exits 0 against a running service and 1 within 2 s when nothing answers", async () => {
    const service = await startService(folder.binary, { cwd: folder.dir, env: { DATA_DIR: "memory://" } });
    const port = new URL(service.url).port;
    const healthy = Bun.spawnSync([folder.binary, "healthcheck"], { env: { PORT: port } });
    expect(healthy.exitCode).toBe(0);
    expect(await service.stop()).toBe(0);

    const started = performance.now();
    const unhealthy = Bun.spawnSync([folder.binary, "healthcheck"], { env: { PORT: port } });
    expect(unhealthy.exitCode).toBe(1);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  test("SIGTERM with 20 signups in flight: all 20 answer 201, then the process exits 0", async () => {
    const service = await startService(folder.binary, {
      cwd: folder.dir,
      env: { DATA_DIR: "memory://", HASH_CONCURRENCY: "1" },
    });
    const inFlight = Array.from({ length: 20 }, (_, i) => signupAt(service.url, `drain-${i}@example.com`));
    // "In flight" means the service holds them: hashing, queued for a hash, or done. A connection
    // still in the kernel's accept queue when the listener closes is not a request in flight.
    const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? 0);
    let unfinished = 0;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await Bun.sleep(5)) {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      unfinished = metric(text, "password_hashes_in_flight") + metric(text, "password_hashes_queued");
      if (unfinished + metric(text, "password_hash_duration_seconds_count") >= 20) break;
    }
    expect(unfinished).toBeGreaterThan(5);
    const exitCode = service.stop("SIGTERM");
    const statuses = await Promise.all(inFlight.map(async (response) => (await response).status));
    expect(statuses).toEqual(Array(20).fill(201));
    expect(await exitCode).toBe(0);
    const log = service.lines.join("\n");
    expect(log).toContain('"msg":"shutting down"');
    expect(log).toContain('"msg":"stopped"');
  });

  test("SIGINT stops it cleanly as well", async () => {
    const service = await startService(folder.binary, { cwd: folder.dir, env: { DATA_DIR: "memory://" } });
    expect(await service.stop("SIGINT")).toBe(0);
  });
});

describe.skipIf(!postgresUrl)("the binary when PostgreSQL comes up after it", () => {
  const database = useEmptyPostgresDatabase();
  const folder = useBinaryInEmptyFolder();

  test("/health answers and /ready is 503 until the database is reachable; then it becomes ready by itself", async () => {
    // The "database" is a port with nothing behind it until a TCP relay to the real server starts.
    const port = freePort();
    const target = new URL(database.url);
    const relayedUrl = `postgres://postgres@127.0.0.1:${port}${target.pathname}`;

    const service = await startService(folder.binary, {
      cwd: folder.dir,
      env: { DATABASE_URL: relayedUrl },
      waitUntilReady: false,
    });
    try {
      await Bun.sleep(1500);
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      const notReady = await fetch(`${service.url}/ready`);
      expect(notReady.status).toBe(503);
      expect(((await notReady.json()) as { status: string }).status).toBe("not_ready");
      expect((await signupAt(service.url, "early@example.com")).status).toBe(503);
      expect(service.lines.some((line) => line.includes("database not ready; retrying"))).toBe(true);

      const relay = startRelay(port, Number(target.port || 5432));
      try {
        const deadline = Date.now() + 20_000;
        while ((await fetch(`${service.url}/ready`)).status !== 200) {
          if (Date.now() > deadline) throw new Error(`never became ready:\n${service.lines.join("\n")}`);
          await Bun.sleep(200);
        }
        expect((await signupAt(service.url, "late@example.com")).status).toBe(201);
      } finally {
        expect(await service.stop()).toBe(0);
        relay.cut();
      }
    } finally {
      service.process.kill("SIGKILL");
    }
  });
});
