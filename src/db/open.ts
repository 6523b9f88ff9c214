import type { Config } from "../config";
import type { DatabaseHandle } from "./database";
import { openPGlite } from "./pglite";
import { openPostgres } from "./postgres";
import type { ReplicaState } from "./read-replica";

export async function openDatabase(config: Config["database"], onReplicaChange?: (state: ReplicaState) => void): Promise<DatabaseHandle> {
  if (config.url) {
    return openPostgres({ url: config.url, readUrl: config.readUrl, poolMax: config.poolMax, prepare: config.prepare, onReplicaChange });
  }
  return openPGlite(config.dataDir);
}
