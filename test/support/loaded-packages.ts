// Run as a child process by test/integration/lazy-loading.test.ts: starts the service's pieces as
// `serve` does (tracing, the database, the app, the relay) with the configuration from its
// environment, answers one request, and prints the packages its process has loaded.
import pino from "pino";
import { buildApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { migrate } from "../../src/db/migrate";
import { openDatabase } from "../../src/db/open";
import { noAccessLog } from "../../src/observability/access-log";
import { startTracing } from "../../src/observability/tracing";

/** How long the relay may take to connect to NATS before the packages are read anyway. */
const RELAY_WAIT_MS = 5000;

const { config } = loadConfig({ ...process.env, NODE_ENV: "test", LOG_LEVEL: "silent" });
const tracing = await startTracing({ ...config.tracing, version: "test" });
const database = await openDatabase(config.database);
await migrate(database);
const { app, relay } = buildApp({ config, database, logger: pino({ level: "silent" }), accessLog: noAccessLog, tracing });
const health = await app.handle(new Request("http://localhost/health"));
if (relay) {
  relay.start();
  const deadline = Date.now() + RELAY_WAIT_MS;
  while (relay.status().state !== "publishing" && Date.now() < deadline) await Bun.sleep(20);
}

/** `node_modules/@scope/name/...` or `node_modules/name/...` → the package's name. */
function packageOf(path: string) {
  const inside = path.split("/node_modules/").at(-1);
  if (!inside || inside === path) return undefined;
  const [first, second] = inside.split("/");
  return first?.startsWith("@") ? `${first}/${second}` : first;
}

const packages = [...new Set(Object.keys(require.cache).map(packageOf))].filter((name) => name !== undefined).sort();
console.log(JSON.stringify({ health: health.status, relay: relay?.status().state, packages }));
await relay?.stop();
await database.close();
await tracing.shutdown();
process.exit(0);
