import type { AllocatorSetting } from "./allocator";
import { ConfigError, loadConfig } from "./config";
import { safeError } from "./db/errors";
import { migrate } from "./db/migrate";
import { openDatabase } from "./db/open";
import { healthcheck } from "./healthcheck";
import { createLogger } from "./observability/logger";
import { createStdout } from "./observability/stdout";
import { serve } from "./server";
import { VERSION } from "./version";

const HELP = `signup-service ${VERSION}: user signup API with idempotency, on PostgreSQL or embedded PGlite

Usage: signup-service [command]

Commands:
  serve        apply pending migrations, then serve HTTP (the default)
  migrate      apply pending migrations and exit
  healthcheck  GET this service's /health on PORT; exit 0 if healthy, 1 if not (within 2 s)
  --help, -h   show this help
  --version    print the version

Exit codes: 0 success, 1 failure (a bad setting names the variable), 2 unknown command.
Configuration comes from the environment and .env; see .env.sample.
Without DATABASE_URL the embedded database keeps its files under DATA_DIR (default ./data).`;

/** Runs one command; returns its exit code, or -1 while `serve` keeps the process alive. */
export async function main(args: string[], allocator?: AllocatorSetting): Promise<number> {
  const command = args[0] ?? "serve";
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(HELP);
    return 0;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    console.log(VERSION);
    return 0;
  }
  if (command === "healthcheck") return healthcheck(process.env.PORT);
  if (command !== "serve" && command !== "migrate") {
    console.error(`unknown command: ${command}\n\n${HELP}`);
    return 2;
  }

  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`signup-service: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const { config, notices } = loaded;
  const stdout = createStdout();
  const logger = createLogger(config.log.level, { write: stdout.line });
  for (const notice of notices) logger.warn(notice);
  if (allocator && !allocator.applied) {
    logger.warn(
      { reason: allocator.reason },
      "could not restart with MIMALLOC_PURGE_DELAY; hashes after an idle moment cost up to 3 times more",
    );
  }

  if (command === "migrate") {
    try {
      const database = await openDatabase(config.database);
      await migrate(database).finally(() => database.close());
      logger.info({ driver: database.driver }, "migrations applied");
      return 0;
    } catch (error) {
      logger.error({ error: safeError(error) }, "migrations failed");
      return 1;
    }
  }
  try {
    await serve(config, logger, stdout);
  } catch (error) {
    logger.fatal({ error: safeError(error) }, "could not start");
    return 1;
  }
  return -1;
}
