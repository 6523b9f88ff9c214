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
const ruleText = `${layers} import no feature folder; a feature with a contract.ts is imported only through it`;
if (violations.length === 0) {
  console.log(`dependency rule holds: ${ruleText} (${files.length} files)`);
} else {
  console.error(`dependency rule broken (${ruleText}); ${violations.length} import(s) do not:`);
  for (const { from, specifier, feature, rule } of violations) {
    const why = rule === "layer" ? `a layer importing feature ${feature}/` : `past ${feature}/contract.ts`;
    console.error(`  ${from} imports ${specifier} (${why})`);
  }
  process.exitCode = 1;
}
