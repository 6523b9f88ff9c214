import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { ReadReplica } from "./read-replica";
import type * as schema from "./schema";

/** The Drizzle database, whichever driver is underneath: the code above it cannot tell. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

type DriverName = "postgres" | "pglite";

export interface DatabaseHandle {
  driver: DriverName;
  /** The command side: every write, the idempotency store, and reads that must see the latest write. */
  db: Database;
  /** The streaming replica of `READ_DATABASE_URL`, with its health; absent without one. */
  replica?: ReadReplica;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
