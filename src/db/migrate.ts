import { sql } from "drizzle-orm";
import { PgDialect, type PgSession } from "drizzle-orm/pg-core";
import type { DatabaseHandle } from "./database";
import { embeddedMigrations } from "./migrations";

/** Any constant will do, as long as every copy of the service uses the same one. */
const MIGRATION_LOCK_ID = 0x5167_6e75; // "Sgnu"

/**
 * Applies pending migrations inside ONE transaction that first takes a transaction-level
 * advisory lock, so several copies started at once on a fresh database wait for each other
 * instead of racing on CREATE TABLE. A session-level lock would not do behind a transaction
 * pooler: its lock and unlock can land on two different server connections, and the lock would
 * stay held. The lock ends with the transaction, whatever happens to the client.
 */
export async function migrate(database: DatabaseHandle): Promise<void> {
  const migrations = embeddedMigrations();
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`);
    // Drizzle's migrator opens a transaction of its own; here it runs inside this one instead.
    const session = tx._.session as unknown as PgSession;
    const inThisTransaction = Object.assign(Object.create(session), { transaction: (work: (t: typeof tx) => unknown) => work(tx) });
    await new PgDialect().migrate(migrations, inThisTransaction, { migrationsFolder: "" });
  });
}
