import type { Config } from "../config";
import type { DatabaseHandle } from "./database";
import { openPGlite } from "./pglite";
import { openPostgres } from "./postgres";

export async function openDatabase(config: Config["database"]): Promise<DatabaseHandle> {
  if (config.url) return openPostgres({ url: config.url, readUrl: config.readUrl, poolMax: config.poolMax });
  return openPGlite(config.dataDir);
}
