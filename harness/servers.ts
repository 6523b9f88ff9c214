import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { track } from "./processes";
import { freePort } from "./service";

/**
 * Real servers of the tests' own (a PostgreSQL primary, a streaming replica of it, pgbouncer),
 * each on a free loopback port in a temporary folder, removed afterwards. The machine's shared
 * PostgreSQL is never stopped, restarted or reconfigured.
 */

const version = () => readdirSync("/usr/lib/postgresql").sort().at(-1) ?? "15";
const pgBin = (tool: string) => `/usr/lib/postgresql/${version()}/bin/${tool}`;
const asRoot = process.getuid?.() === 0;

/** PostgreSQL and pgbouncer refuse to run as root: as root, tests run them as the `postgres` user. */
function run(args: string[], timeoutMs = 60_000) {
  const command = asRoot ? ["runuser", "-u", "postgres", "--", ...args] : args;
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  if (result.exitCode !== 0) {
    throw new Error(`${args[0]} failed (${result.exitCode}): ${result.stdout.toString()}${result.stderr.toString()}`);
  }
  return result.stdout.toString();
}

/** A new temporary folder the servers' user owns. */
function ownedFolder(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) Bun.spawnSync(["chown", "postgres:postgres", dir]);
  return dir;
}

export interface PostgresServer {
  port: number;
  dataDir: string;
  /** A connection string to `database` (default `postgres`) on this server. */
  url(database?: string): string;
  stop(): void;
  start(): void;
  /** Stops it if running and deletes its folder. */
  remove(): void;
}

function serverAt(dataDir: string, port: number, folder: string): PostgresServer {
  const log = join(folder, "server.log");
  let running = false;
  const server: PostgresServer = {
    port,
    dataDir,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      run([pgBin("pg_ctl"), "-D", dataDir, "-l", log, "-w", "-t", "30", "start"]);
      running = true;
    },
    stop() {
      run([pgBin("pg_ctl"), "-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"]);
      running = false;
    },
    remove() {
      if (running) {
        try {
          server.stop();
        } catch {
          run([pgBin("pg_ctl"), "-D", dataDir, "-m", "immediate", "stop"]);
        }
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
  return server;
}

const serverConfig = (port: number) => `
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 4
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 100
`;

/** A new PostgreSQL cluster (initdb), trusting loopback connections and replication, started. */
export function startPostgresServer(): PostgresServer {
  const folder = ownedFolder("signup-pg-");
  const dataDir = join(folder, "data");
  const port = freePort();
  run([pgBin("initdb"), "-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  Bun.spawnSync(["sh", "-c", `cat >> '${dataDir}/postgresql.conf'`], { stdin: new TextEncoder().encode(serverConfig(port)) });
  Bun.spawnSync(["sh", "-c", `echo 'host replication all 127.0.0.1/32 trust' >> '${dataDir}/pg_hba.conf'`]);
  const server = serverAt(dataDir, port, folder);
  server.start();
  return server;
}

/**
 * A streaming replica of `primary` (`pg_basebackup -R`), optionally applying WAL only
 * `applyDelayMs` after each commit (`recovery_min_apply_delay`), started.
 */
export function startStreamingReplica(primary: PostgresServer, options: { applyDelayMs?: number } = {}): PostgresServer {
  const folder = ownedFolder("signup-replica-");
  const dataDir = join(folder, "data");
  const port = freePort();
  run([
    pgBin("pg_basebackup"),
    "-h",
    "127.0.0.1",
    "-p",
    String(primary.port),
    "-U",
    "postgres",
    "-D",
    dataDir,
    "-R",
    "-X",
    "stream",
    "-c",
    "fast",
  ]);
  const settings = [`port = ${port}`, "hot_standby_feedback = on"];
  if (options.applyDelayMs) settings.push(`recovery_min_apply_delay = '${options.applyDelayMs}ms'`);
  Bun.spawnSync(["sh", "-c", `cat >> '${dataDir}/postgresql.auto.conf'`], {
    stdin: new TextEncoder().encode(`${settings.join("\n")}\n`),
  });
  const replica = serverAt(dataDir, port, folder);
  replica.start();
  return replica;
}

export interface Pgbouncer {
  port: number;
  url(database?: string): string;
  stop(): Promise<void>;
}

/** pgbouncer in transaction mode in front of `target`, with its default settings otherwise. */
export async function startPgbouncer(target: { port: number }, options: { poolSize?: number } = {}): Promise<Pgbouncer> {
  if (!existsSync("/usr/sbin/pgbouncer")) throw new Error("pgbouncer is not installed (apt-get install pgbouncer)");
  const folder = ownedFolder("signup-pgbouncer-");
  const port = freePort();
  const ini = join(folder, "pgbouncer.ini");
  writeFileSync(
    ini,
    `[databases]
* = host=127.0.0.1 port=${target.port} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = ${options.poolSize ?? 20}
max_client_conn = 500
logfile = ${join(folder, "pgbouncer.log")}
pidfile = ${join(folder, "pgbouncer.pid")}
`,
  );
  if (asRoot) Bun.spawnSync(["chown", "postgres:postgres", ini]);
  const command = asRoot ? ["runuser", "-u", "postgres", "--", "/usr/sbin/pgbouncer", ini] : ["/usr/sbin/pgbouncer", ini];
  const child = Bun.spawn(command, { stdout: "ignore", stderr: "pipe" });
  // Stopped with the run's other children even when a test fails before it stops it.
  track(child);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (socket) => {
        socket.end();
        return true;
      },
      () => false,
    );
    if (probe) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`pgbouncer did not start on ${port}`);
    }
    await Bun.sleep(50);
  }
  return {
    port,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
