import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { freePort } from "../../harness/service";
import { createEmptyPostgresDatabase, postgresUrl } from "../support/databases";
import { deleteStream, natsUrl, testStream } from "../support/nats";

const CHILD = join(import.meta.dir, "../support/loaded-packages.ts");
/** Loaded only when configured (ARCHITECTURE.md, "What is not needed is not loaded"). */
const PGLITE = "@electric-sql/pglite";
const NATS = ["@nats-io/transport-node", "@nats-io/jetstream"];
const TRACING_SDK = ["@opentelemetry/sdk-trace-base", "@opentelemetry/exporter-trace-otlp-http"];

/** A fresh process with only these settings: which packages did starting the service load? */
async function loadedPackages(env: Record<string, string>) {
  const child = Bun.spawn([process.execPath, CHILD], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", IDEMPOTENCY_SECRET: "lazy-loading-secret-0123456789abcdef", ...env },
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`the child exited ${code}: ${stderr.slice(-2000)}`);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as { health: number; relay?: string; packages: string[] };
}

describe("what is not configured is not loaded", () => {
  test.skipIf(!postgresUrl)(
    "on PostgreSQL without NATS or tracing: no PGlite, no NATS client, no tracing SDK",
    async () => {
      const database = await createEmptyPostgresDatabase();
      try {
        const loaded = await loadedPackages({ DATABASE_URL: database.url });
        expect(loaded.health).toBe(200);
        expect(loaded.packages).toContain("postgres");
        for (const name of [PGLITE, ...NATS, ...TRACING_SDK]) expect(loaded.packages).not.toContain(name);
      } finally {
        await database.drop();
      }
    },
    40_000,
  );

  test.skipIf(!natsUrl)(
    "each is loaded once configured: the embedded database, NATS, tracing",
    async () => {
      const url = natsUrl ?? "";
      const stream = testStream();
      try {
        const loaded = await loadedPackages({
          DATA_DIR: "memory://",
          NATS_URL: url,
          ...stream,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${freePort()}`,
        });
        expect(loaded.health).toBe(200);
        expect(loaded.relay).toBe("publishing");
        for (const name of [PGLITE, ...NATS, ...TRACING_SDK]) expect(loaded.packages).toContain(name);
        expect(loaded.packages).not.toContain("postgres");
      } finally {
        await deleteStream(url, stream.EVENTS_STREAM);
      }
    },
    40_000,
  );
});
