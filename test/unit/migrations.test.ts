import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { embeddedMigrations, journalTags, migrationFiles } from "../../src/db/migrations";

/** Read from disk, not imported: the point is to catch what src/db/migrations.ts forgot to import. */
const DRIZZLE_DIR = join(import.meta.dir, "../../drizzle");
const journal = JSON.parse(readFileSync(join(DRIZZLE_DIR, "meta/_journal.json"), "utf8")) as {
  entries: Array<{ tag: string }>;
};
const sqlOnDisk = readdirSync(DRIZZLE_DIR).filter((name) => name.endsWith(".sql"));

test("there is at least one migration", () => {
  expect(journal.entries.length).toBeGreaterThan(0);
  expect(sqlOnDisk.length).toBeGreaterThan(0);
});

test("every journal tag is embedded", () => {
  const missing = journal.entries.map((entry) => entry.tag).filter((tag) => migrationFiles[tag] === undefined);
  expect(missing).toEqual([]);
  expect(journalTags).toEqual(journal.entries.map((entry) => entry.tag));
});

test("every drizzle/*.sql file is embedded with identical content", () => {
  for (const file of sqlOnDisk) {
    const tag = file.replace(/\.sql$/, "");
    expect({ tag, embedded: migrationFiles[tag] }).toEqual({ tag, embedded: readFileSync(join(DRIZZLE_DIR, file), "utf8") });
  }
});

test("nothing is embedded that is not on disk and in the journal", () => {
  const onDisk = sqlOnDisk.map((file) => file.replace(/\.sql$/, "")).sort();
  expect(Object.keys(migrationFiles).sort()).toEqual(onDisk);
  expect([...journalTags].sort()).toEqual(onDisk);
});

test("embeddedMigrations hashes each file's content in journal order", () => {
  const migrations = embeddedMigrations();
  expect(migrations.map((migration) => migration.hash)).toEqual(
    journal.entries.map((entry) =>
      createHash("sha256")
        .update(readFileSync(join(DRIZZLE_DIR, `${entry.tag}.sql`), "utf8"))
        .digest("hex"),
    ),
  );
});
