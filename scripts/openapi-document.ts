import pino from "pino";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { openPGlite } from "../src/db/pglite";
import { noAccessLog } from "../src/observability/access-log";

/**
 * The OpenAPI document as the service serves it at /docs/json, with the default configuration.
 * The app is built over an in-memory embedded database; serving the document touches no table.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const { config } = loadConfig({ NODE_ENV: "test", IDEMPOTENCY_SECRET: "openapi-document-only", LOG_LEVEL: "silent" });
  const database = await openPGlite("memory://");
  try {
    const { app } = buildApp({ config, database, logger: pino({ level: "silent" }), accessLog: noAccessLog });
    const response = await app.handle(new Request("http://localhost/docs/json"));
    if (response.status !== 200) throw new Error(`/docs/json answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  } finally {
    await database.close();
  }
}
