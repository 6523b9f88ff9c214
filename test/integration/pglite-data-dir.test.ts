import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { migrate } from "../../src/db/migrate";
import { INITIALISING_MARKER, openPGlite } from "../../src/db/pglite";
import { usersRead } from "../../src/db/schema";

// Each test opens the embedded database on disk once or twice (about a second each).
setDefaultTimeout(30_000);

describe("the embedded database on disk (DATA_DIR)", () => {
  const folders: string[] = [];
  const newFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), "signup-pglite-"));
    folders.push(folder);
    return folder;
  };
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  test("a new folder starts from the cluster template and keeps what was written across a reopen", async () => {
    const dataDir = join(newFolder(), "data");
    const row = { id: Bun.randomUUIDv7(), name: "Ana", email: "ana@example.com", displayName: "Ana G", createdAt: new Date() };
    const first = await openPGlite(dataDir);
    await migrate(first);
    await first.db.insert(usersRead).values(row);
    await first.close();
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    expect(existsSync(join(dataDir, INITIALISING_MARKER))).toBe(false);

    const second = await openPGlite(dataDir);
    const kept = await second.db.select().from(usersRead);
    await second.close();
    expect(kept).toEqual([row]);
  });

  test("a first start interrupted while unpacking (the marker is still there) is done again from scratch", async () => {
    const dataDir = newFolder();
    writeFileSync(join(dataDir, INITIALISING_MARKER), "");
    writeFileSync(join(dataDir, "PG_VERSION"), "half-written");
    mkdirSync(join(dataDir, "base"));
    writeFileSync(join(dataDir, "base", "left-over"), "");
    const database = await openPGlite(dataDir);
    await database.ping();
    await database.close();
    expect(existsSync(join(dataDir, INITIALISING_MARKER))).toBe(false);
    expect(existsSync(join(dataDir, "base", "left-over"))).toBe(false);
    expect(await Bun.file(join(dataDir, "PG_VERSION")).text()).not.toContain("half-written");
  });

  test("a folder that holds something else is refused and left as it was", async () => {
    const dataDir = newFolder();
    writeFileSync(join(dataDir, "notes.txt"), "not a database");
    await expect(openPGlite(dataDir)).rejects.toThrow("is not empty and holds no database");
    expect(readdirSync(dataDir)).toEqual(["notes.txt"]);
  });

  test("the embedded server runs with a 16 MB buffer pool (the default 128 MB would all be resident)", async () => {
    const database = await openPGlite(join(newFolder(), "data"));
    const setting = await database.db.execute(sql`show shared_buffers`);
    await database.close();
    expect(setting).toMatchObject({ rows: [{ shared_buffers: "16MB" }] });
  });
});
