import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import type { DatabaseHandle } from "./database";
import { pgliteAssets } from "./pglite-assets";
import * as schema from "./schema";

const IN_MEMORY = "memory://";

function open(dataDir: string, wasm: WebAssembly.Module, fromSeed: boolean) {
  return PGlite.create({
    dataDir,
    pgliteWasmModule: wasm,
    fsBundle: Bun.file(pgliteAssets.fsBundlePath),
    loadDataDir: fromSeed ? Bun.file(pgliteAssets.seedPath) : undefined,
  });
}

/**
 * A new data directory starts from the seed cluster made at build time (no initdb). It is
 * unpacked beside the target and renamed into place, so a crash mid-way leaves no half a database.
 */
async function openOnDisk(dataDir: string, wasm: WebAssembly.Module): Promise<PGlite> {
  const target = resolve(dataDir);
  if (existsSync(join(target, "PG_VERSION"))) return open(target, wasm, false);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new Error(`DATA_DIR ${target} is not empty and holds no database; point DATA_DIR at an empty or new folder`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.init-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const seeded = await open(staging, wasm, true);
  await seeded.close();
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return open(target, wasm, false);
}

/** Embedded PostgreSQL (WebAssembly, in-process): one session, so no pool and no lock contention. */
export async function openPGlite(dataDir: string): Promise<DatabaseHandle> {
  const wasm = await WebAssembly.compile(await Bun.file(pgliteAssets.wasmPath).arrayBuffer());
  const client = dataDir.startsWith(IN_MEMORY) ? await open(dataDir, wasm, true) : await openOnDisk(dataDir, wasm);
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
