import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema";

/** The Drizzle database, whichever driver is underneath: the code above it cannot tell. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DriverName = "postgres" | "pglite";

export interface DatabaseHandle {
  driver: DriverName;
  /** The command side: every write, the idempotency store. */
  db: Database;
  /** The query side: `READ_DATABASE_URL` when set, else the same as `db`. */
  readDb: Database;
  /** Runs `fn` with a database whose statements all go over one session, for advisory locks. */
  withSingleSession<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
