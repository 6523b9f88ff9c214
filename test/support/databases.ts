import { describe } from "bun:test";
import postgres from "postgres";
import type { DatabaseHandle } from "../../src/db/database";
import { migrate } from "../../src/db/migrate";
import { openPGlite } from "../../src/db/pglite";
import { openPostgres } from "../../src/db/postgres";

/** Set in CI (and by .ci/run): the suites then run on PostgreSQL as well as on PGlite. */
export const postgresUrl = process.env.TEST_DATABASE_URL;

const allDrivers = ["pglite", "postgres"] as const;
export type TestDriver = (typeof allDrivers)[number];

/** The drivers this run tests on. */
export const drivers: readonly TestDriver[] = postgresUrl ? allDrivers : ["pglite"];

/**
 * A describe block per driver (`%s` in the name is the driver). Without TEST_DATABASE_URL the
 * PostgreSQL one is registered skipped, so `bun test` says what it did not run.
 */
export function describeOnEachDriver(name: string, body: (driver: TestDriver) => void) {
  for (const driver of allDrivers) describe.skipIf(!drivers.includes(driver))(name.replace("%s", driver), () => body(driver));
}

export interface TestDatabase {
  handle: DatabaseHandle;
  /** The connection string of a PostgreSQL test database; undefined on PGlite. */
  url?: string;
  drop(): Promise<void>;
}

function databaseUrl(base: string, name: string) {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, empty PostgreSQL database of its own, dropped afterwards. */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `signup_test_${Bun.randomUUIDv7().replaceAll("-", "").slice(-16)}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return {
    url: databaseUrl(postgresUrl, name),
    async drop() {
      const dropper = postgres(postgresUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/** A migrated database on the given driver, empty of rows. */
export async function createTestDatabase(driver: TestDriver, poolMax = 10): Promise<TestDatabase> {
  if (driver === "pglite") {
    const handle = await openPGlite("memory://");
    await migrate(handle);
    return { handle, drop: () => handle.close() };
  }
  const empty = await createEmptyPostgresDatabase();
  const handle = openPostgres({ url: empty.url, poolMax });
  await migrate(handle);
  return {
    handle,
    url: empty.url,
    async drop() {
      await handle.close();
      await empty.drop();
    },
  };
}
