import { afterAll, beforeAll } from "bun:test";
import type { App } from "../../src/app";
import { createTestApp } from "./app";
import { createTestDatabase, type TestDatabase, type TestDriver } from "./databases";

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
