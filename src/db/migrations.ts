import { createHash } from "node:crypto";
import type { MigrationMeta } from "drizzle-orm/migrator";
import init from "../../drizzle/0000_init.sql" with { type: "text" };
import rateLimits from "../../drizzle/0001_rate_limits.sql" with { type: "text" };
import outbox from "../../drizzle/0002_outbox.sql" with { type: "text" };
import journal from "../../drizzle/meta/_journal.json";

/**
 * Migrations are imported, not read from disk, so the compiled binary carries them and runs
 * from an empty folder. `bun run db:generate` writes the SQL; add its import here
 * (test/unit/migrations.test.ts fails when one is missing).
 */
export const migrationFiles: Record<string, string> = {
  "0000_init": init,
  "0001_rate_limits": rateLimits,
  "0002_outbox": outbox,
};

export const journalTags = journal.entries.map((entry) => entry.tag);

/** The same shape Drizzle's own file reader produces. */
export function embeddedMigrations(): MigrationMeta[] {
  return journal.entries.map((entry) => {
    const query = migrationFiles[entry.tag];
    if (query === undefined) throw new Error(`migration ${entry.tag} is in the journal but not embedded`);
    return {
      sql: query.split("--> statement-breakpoint"),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash("sha256").update(query).digest("hex"),
    };
  });
}
