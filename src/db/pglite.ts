import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import type { DatabaseHandle } from "./database";
import * as schema from "./schema";

/** Embedded PostgreSQL (WebAssembly, in-process): one session, so no pool and no lock contention. */
export async function openPGlite(dataDir: string): Promise<DatabaseHandle> {
  const client = await PGlite.create(dataDir);
  const db = drizzle(client, { schema });
  return {
    driver: "pglite",
    db,
    readDb: db,
    withSingleSession: (fn) => fn(db),
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await client.close();
    },
  };
}
