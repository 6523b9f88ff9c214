import { buildApp } from "./app";
import type { Config } from "./config";
import { migrate } from "./db/migrate";
import { createSweeper } from "./idempotency/sweeper";
import { openDatabase } from "./db/open";
import { MAX_BODY_BYTES } from "./http/json-body";
import type { Logger } from "./observability/logger";

/** `serve`: open the database, apply migrations, listen; SIGTERM/SIGINT stop it cleanly. */
export async function serve(config: Config, logger: Logger) {
  const database = await openDatabase(config.database);
  logger.info(
    { driver: database.driver, data_dir: database.driver === "pglite" ? config.database.dataDir : undefined },
    database.driver === "pglite"
      ? "using the embedded database (PGlite); set DATABASE_URL to use PostgreSQL"
      : "using PostgreSQL",
  );
  await migrate(database);
  const sweeper = createSweeper({ db: database.db, intervalMs: config.idempotency.sweepIntervalMs, logger });
  sweeper.start();
  const app = buildApp({ config, database, logger }).listen({
    hostname: config.host,
    port: config.port,
    maxRequestBodySize: MAX_BODY_BYTES,
  });
  logger.info({ host: config.host, port: app.server?.port }, "listening");

  const stop = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await app.stop();
    await sweeper.stop();
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
