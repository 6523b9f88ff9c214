import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import swaggerUiStyles from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
// The UI is embedded in the binary and served from it: the plugin's default loads it from a CDN.
import swaggerUiScript from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import { jsonSchema, problemSchema } from "../http/problem-schema";
import { SERVICE_NAME } from "../identity";

const ASSETS = "/docs/assets";

type SwaggerOptions = NonNullable<Parameters<typeof openapi>[0]>["swagger"];

const asset = (path: string, contentType: string) => () =>
  new Response(Bun.file(path), {
    headers: { "content-type": contentType, "cache-control": "public, max-age=86400, immutable" },
  });

/** OpenAPI 3 at /docs/json and Swagger UI at /docs, working with no network beyond this service. */
export function docsPlugin(version: string) {
  return new Elysia({ name: "docs" })
    .get(`${ASSETS}/swagger-ui-bundle.js`, asset(swaggerUiScript, "application/javascript; charset=utf-8"), {
      detail: { hide: true },
    })
    .get(`${ASSETS}/swagger-ui.css`, asset(swaggerUiStyles, "text/css; charset=utf-8"), { detail: { hide: true } })
    .use(
      openapi({
        path: "/docs",
        specPath: "/docs/json",
        provider: "swagger-ui",
        swagger: {
          cdn: `${ASSETS}/swagger-ui-bundle.js`,
          theme: `${ASSETS}/swagger-ui.css`,
          // An absolute spec URL: the plugin's relative default breaks when the page is /docs/.
          url: "/docs/json",
          // Swagger UI would otherwise send the spec to an online validator.
          validatorUrl: null,
          // The plugin's types omit `url` and refuse null, though Swagger UI reads both.
        } as unknown as SwaggerOptions,
        documentation: {
          // Relative: the document is served by the service it describes, wherever that runs.
          servers: [{ url: "/", description: "This service" }],
          // The API has no authentication: every operation is open (an empty requirement list).
          security: [],
          components: {
            schemas: { Problem: jsonSchema(problemSchema) },
          },
          info: {
            title: SERVICE_NAME,
            version,
            description:
              "User signup with idempotency (IETF Idempotency-Key), a CQRS read model, and RFC 9457 problem details for every error " +
              "(`#/components/schemas/Problem`), unknown routes and unservable request targets included.",
            license: { name: "MIT", identifier: "MIT" },
          },
          tags: [
            { name: "users", description: "Signup (command) and the read model (query)" },
            { name: "operations", description: "Health, readiness and metrics" },
          ],
        },
      }),
    );
}
