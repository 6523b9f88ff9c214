/**
 * The dependency rule of src/: the cross-cutting layers (http/, observability/, db/) import
 * nothing from a feature folder. Every other folder directly under src/ is a feature (users/,
 * idempotency/, health/, docs/, and whatever is added next), except types/ (ambient declarations).
 * A feature that has a `contract.ts` is imported by other features only through it.
 * Type-only imports count: a layer that names a feature's type knows that feature.
 */
import { dirname, relative, resolve, sep } from "node:path";
import { parseSync } from "oxc-parser";

export const LAYERS = ["http", "observability", "db"] as const;
/** Folders under src/ that are neither a layer nor a feature. */
const NOT_FEATURES = ["types"];

export interface SourceFile {
  /** Relative to the repository root, with forward slashes: `src/http/error-mapping.ts`. */
  path: string;
  text: string;
}

export interface Violation {
  from: string;
  /** The module as written in the import. */
  specifier: string;
  /** The feature folder it reaches into. */
  feature: string;
  /** `layer`: a layer imports a feature; `contract`: a feature passes by another's contract.ts. */
  rule: "layer" | "contract";
}

/** The top folder under src/ of a repository-relative path, if it is inside one. */
function srcFolder(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "src" && parts.length > 2 ? parts[1] : undefined;
}

/** Every module a file imports or re-exports, statically, dynamically (string literals) or as a type. */
export function importedSpecifiers(file: SourceFile): string[] {
  const { module, errors } = parseSync(file.path, file.text);
  if (errors.length > 0) throw new Error(`${file.path}: ${errors[0]?.message}`);
  const specifiers = module.staticImports.map((entry) => entry.moduleRequest.value);
  for (const entry of module.staticExports.flatMap((statement) => statement.entries)) {
    if (entry.moduleRequest) specifiers.push(entry.moduleRequest.value);
  }
  for (const { moduleRequest } of module.dynamicImports) {
    const literal = /^(["'`])([^"'`$]*)\1$/.exec(file.text.slice(moduleRequest.start, moduleRequest.end));
    if (literal?.[2]) specifiers.push(literal[2]);
  }
  return specifiers;
}

/** The imports that break the rule: a layer's into a feature, a feature's past another's contract. */
export function dependencyRuleViolations(files: SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  const layers: readonly string[] = LAYERS;
  const isFeature = (folder: string) => !layers.includes(folder) && !NOT_FEATURES.includes(folder);
  const withContract = new Set(files.filter((file) => file.path.endsWith("/contract.ts")).map((file) => srcFolder(file.path)));
  for (const file of files) {
    const from = srcFolder(file.path);
    if (!from) continue;
    for (const specifier of importedSpecifiers(file)) {
      if (!specifier.startsWith(".")) continue;
      const target = relative(resolve("/"), resolve("/", dirname(file.path), specifier))
        .split(sep)
        .join("/");
      const folder = srcFolder(target);
      if (!folder || folder === from || !isFeature(folder)) continue;
      if (layers.includes(from)) violations.push({ from: file.path, specifier, feature: folder, rule: "layer" });
      else if (withContract.has(folder) && target.replace(/\.ts$/, "") !== `src/${folder}/contract`)
        violations.push({ from: file.path, specifier, feature: folder, rule: "contract" });
    }
  }
  return violations;
}
