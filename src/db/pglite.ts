import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import type { DatabaseHandle } from "./database";
import { pgliteAssets } from "./pglite-assets";
import * as schema from "./schema";

const IN_MEMORY = "memory://";

function open(dataDir: string, wasm: WebAssembly.Module, fromTemplate: boolean) {
  return PGlite.create({
    dataDir,
    pgliteWasmModule: wasm,
    fsBundle: Bun.file(pgliteAssets.fsBundlePath),
    loadDataDir: fromTemplate ? Bun.file(pgliteAssets.clusterTemplatePath) : undefined,
  });
}

/** Present only while a new data directory is being filled from the cluster template. */
const INITIALISING_MARKER = ".signup-service-initialising";

/**
 * A new data directory starts from the cluster template made at build time (no initdb). A marker
 * file is there while it is unpacked, so a start interrupted mid-way is redone at the next start,
 * and a folder that holds something else is never touched.
 */
async function openOnDisk(dataDir: string, wasm: WebAssembly.Module): Promise<PGlite> {
  const target = resolve(dataDir);
  const marker = join(target, INITIALISING_MARKER);
  if (existsSync(join(target, "PG_VERSION")) && !existsSync(marker)) return open(target, wasm, false);
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(marker)) {
    throw new Error(`DATA_DIR ${target} is not empty and holds no database; point DATA_DIR at an empty or new folder`);
  }
  mkdirSync(target, { recursive: true });
  writeFileSync(marker, "");
  for (const entry of readdirSync(target)) if (entry !== INITIALISING_MARKER) rmSync(join(target, entry), { recursive: true });
  const pglite = await open(target, wasm, true);
  await pglite.exec("CHECKPOINT");
  rmSync(marker);
  return pglite;
}

/** Embedded PostgreSQL (WebAssembly, in-process): one session, so no pool and no lock contention. */
export async function openPGlite(dataDir: string): Promise<DatabaseHandle> {
  const wasm = await WebAssembly.compile(await Bun.file(pgliteAssets.wasmPath).arrayBuffer());
  const client = dataDir.startsWith(IN_MEMORY) ? await open(dataDir, wasm, true) : await openOnDisk(dataDir, wasm);
  const db = drizzle(client, { schema });
  return {
    driver: "pglite",
    db,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await client.close();
    },
  };
}
