import { sql } from "drizzle-orm";
import { PgDialect, type PgSession } from "drizzle-orm/pg-core";
import type { DatabaseHandle } from "./database";
import { embeddedMigrations } from "./migrations";

/** Any constant will do, as long as every copy of the service uses the same one. */
const MIGRATION_LOCK_ID = 0x5167_6e75; // "Sgnu"

/**
 * Applies pending migrations while holding a session-level advisory lock, so several copies
 * started at once on a fresh database wait for each other instead of racing on CREATE TABLE.
 */
export async function migrate(database: DatabaseHandle): Promise<void> {
  const migrations = embeddedMigrations();
  await database.withSingleSession(async (db) => {
    await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`);
    try {
      // The migrator is schema-agnostic; only the session's type carries our schema.
      await new PgDialect().migrate(migrations, db._.session as unknown as PgSession, { migrationsFolder: "" });
    } finally {
      await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`);
    }
  });
}
