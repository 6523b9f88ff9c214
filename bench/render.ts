// Renders committed bench results again (markdown, chart, the README's latest-run section) from
// their JSON, after the report itself changed. Give the files oldest first: the last one becomes
// the README's latest run.
// Usage: bun run bench:render bench/results/<stamp>.json [...]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { ensureTools } from "./lib/prerequisites.ts";
import { type Results, writeReport } from "./lib/report.ts";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: bun run bench:render bench/results/<stamp>.json [...]");
  process.exit(2);
}
const python = await ensureTools();
for (const file of files) {
  const results = JSON.parse(readFileSync(file, "utf8")) as Results;
  await writeReport(results, basename(file, ".json"), python);
}
