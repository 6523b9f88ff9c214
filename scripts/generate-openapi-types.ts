// Writes the TypeScript types of the served OpenAPI document (openapi-typescript) for the typed
// client the tests use; a test fails when the committed file is not what this would write.
import { openApiDocument } from "./openapi-document";

// openapi-typescript builds its output with the TypeScript 5 compiler API, which TypeScript 7
// (the project's type checker) no longer has: it gets the 5.x release installed beside it.
Bun.plugin({
  name: "typescript 5 for openapi-typescript",
  setup(build) {
    build.onLoad({ filter: /[\\/]openapi-typescript[\\/]dist[\\/].*\.mjs$/ }, async ({ path }) => ({
      contents: (await Bun.file(path).text()).replaceAll("from 'typescript'", "from 'typescript5'"),
      loader: "js",
    }));
  },
});
const { default: openapiTS, astToString } = await import("openapi-typescript");

export const OPENAPI_TYPES_FILE = new URL("../test/support/openapi-types.ts", import.meta.url).pathname;

const HEADER = "// Generated from the service's OpenAPI document by `bun run openapi:types`. Do not edit.\n\n";

export async function openApiTypes(): Promise<string> {
  const ast = await openapiTS(JSON.stringify(await openApiDocument()));
  return HEADER + astToString(ast);
}

if (import.meta.main) await Bun.write(OPENAPI_TYPES_FILE, await openApiTypes());
