import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { SERVICE_NAME } from "../identity";
import type { DatabaseHandle } from "./database";
import { createReadReplica, type ReplicaState } from "./read-replica";
import * as schema from "./schema";

export interface PostgresOptions {
  url: string;
  readUrl?: string;
  poolMax: number;
  /**
   * Named prepared statements (the default). A transaction pooler (pgbouncer, Supavisor, PgCat,
   * RDS Proxy in transaction mode) hands each statement to any server connection, where a
   * statement prepared on another one does not exist: such deployments set this to false.
   */
  prepare?: boolean;
  onReplicaChange?: (state: ReplicaState) => void;
}

/** Seconds `close` waits for queries still running; by then requests have drained. */
const CLOSE_TIMEOUT_S = 2;

function connect(url: string, max: number, prepare: boolean) {
  return postgres(url, {
    max,
    prepare,
    // Fail fast when the server is away: a request answers 503 instead of hanging. postgres.js
    // otherwise waits up to 20 s between reconnect attempts, and queued queries wait with it.
    connect_timeout: 2,
    backoff: () => 0.1,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: SERVICE_NAME },
  });
}

export function openPostgres(options: PostgresOptions): DatabaseHandle {
  const prepare = options.prepare ?? true;
  const client = connect(options.url, options.poolMax, prepare);
  const readClient = options.readUrl ? connect(options.readUrl, options.poolMax, prepare) : undefined;
  const db = drizzle(client, { schema });
  const replica = readClient ? createReadReplica({ db: drizzle(readClient, { schema }), onChange: options.onReplicaChange }) : undefined;
  return {
    driver: "postgres",
    db,
    replica,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      replica?.close();
      await Promise.all([client.end({ timeout: CLOSE_TIMEOUT_S }), readClient?.end({ timeout: CLOSE_TIMEOUT_S })]);
    },
  };
}
