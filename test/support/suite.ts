import { afterAll, beforeAll } from "bun:test";
import { rmSync } from "node:fs";
import type { App } from "../../src/app";
import { createTestApp } from "./app";
import { binaryInEmptyFolder, buildBinary, type RunningService, startService } from "./binary";
import { createEmptyPostgresDatabase, createTestDatabase, type TestDatabase, type TestDriver } from "./databases";

/** A migrated database of its own for the enclosing describe block, dropped after it. */
export function useTestDatabase(driver: TestDriver) {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
  });
  afterAll(() => database?.drop());
  return {
    get handle() {
      if (!database) throw new Error("the test database exists only inside the describe block's tests");
      return database.handle;
    },
  };
}

/** That database and the app built over it with the test configuration. */
export function useTestApp(driver: TestDriver) {
  const database = useTestDatabase(driver);
  let app: App | undefined;
  beforeAll(() => {
    app = createTestApp(database.handle).app;
  });
  const handle = (request: Request): Promise<Response> => {
    if (!app) throw new Error("the test app exists only inside the describe block's tests");
    return app.handle(request);
  };
  return { database, app: { handle } };
}

/** The freshly built binary alone in a new empty folder, for the describe block; removed after it. */
export function useBinaryInEmptyFolder() {
  let folder: { dir: string; binary: string } | undefined;
  beforeAll(async () => {
    await buildBinary();
    folder = binaryInEmptyFolder();
  });
  afterAll(() => {
    if (folder) rmSync(folder.dir, { recursive: true, force: true });
  });
  const current = () => {
    if (!folder) throw new Error("the binary's folder exists only inside the describe block's tests");
    return folder;
  };
  return {
    get dir() {
      return current().dir;
    },
    get binary() {
      return current().binary;
    },
  };
}

/** A new empty PostgreSQL database for the describe block, dropped after it. */
export function useEmptyPostgresDatabase() {
  let database: Awaited<ReturnType<typeof createEmptyPostgresDatabase>> | undefined;
  beforeAll(async () => {
    database = await createEmptyPostgresDatabase();
  });
  afterAll(() => database?.drop());
  return {
    get url() {
      if (!database) throw new Error("the database exists only inside the describe block's tests");
      return database.url;
    },
  };
}

/**
 * Copies of the freshly built binary (in one empty folder) and empty PostgreSQL databases for the
 * describe block, each started or made on demand; all killed, dropped and removed after it.
 */
export function useBinaryFleet(baseEnv: Record<string, string> = {}) {
  const folder = useBinaryInEmptyFolder();
  const services: RunningService[] = [];
  const databases: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>[] = [];
  afterAll(async () => {
    for (const service of services) {
      service.process.kill("SIGKILL");
      await service.process.exited;
    }
    for (const created of databases) await created.drop().catch(() => {});
  });
  return {
    async start(env: Record<string, string>, waitUntilReady = true) {
      const service = await startService(folder.binary, { cwd: folder.dir, env: { ...baseEnv, ...env }, waitUntilReady });
      services.push(service);
      return service;
    },
    async database() {
      const created = await createEmptyPostgresDatabase();
      databases.push(created);
      return created;
    },
  };
}
