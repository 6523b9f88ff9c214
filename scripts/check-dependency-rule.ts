/**
 * `bun run deps`: checks the dependency rule (scripts/dependency-rule.ts) over src/ and lists
 * every import that breaks it; exits 1 if there is one.
 */
import { dependencyRuleViolations, LAYERS } from "./dependency-rule";

const root = `${import.meta.dir}/..`;
const paths = [...new Bun.Glob("src/**/*.ts").scanSync({ cwd: root })].filter((path) => !path.endsWith(".d.ts")).sort();
const files = await Promise.all(paths.map(async (path) => ({ path, text: await Bun.file(`${root}/${path}`).text() })));
const violations = dependencyRuleViolations(files);
const layers = LAYERS.map((layer) => `src/${layer}/`).join(", ");
if (violations.length === 0) {
  console.log(`dependency rule holds: ${layers} import no feature folder (${files.length} files)`);
} else {
  console.error(`dependency rule broken: ${layers} must import no feature folder; ${violations.length} import(s) do:`);
  for (const { from, specifier, feature } of violations) console.error(`  ${from} imports ${specifier} (feature ${feature}/)`);
  process.exitCode = 1;
}
