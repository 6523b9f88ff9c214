import type { Config } from "../config";
import type { DatabaseHandle } from "./database";
import type { ReplicaState } from "./read-replica";

export async function openDatabase(config: Config["database"], onReplicaChange?: (state: ReplicaState) => void): Promise<DatabaseHandle> {
  // Each driver is loaded only when chosen: PGlite's module is never evaluated on PostgreSQL.
  if (config.url) {
    const { openPostgres } = await import("./postgres");
    return openPostgres({ url: config.url, readUrl: config.readUrl, poolMax: config.poolMax, prepare: config.prepare, onReplicaChange });
  }
  const { openPGlite } = await import("./pglite");
  return openPGlite(config.dataDir);
}
