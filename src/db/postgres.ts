import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { SERVICE_NAME } from "../identity";
import type { DatabaseHandle } from "./database";
import * as schema from "./schema";

export interface PostgresOptions {
  url: string;
  readUrl?: string;
  poolMax: number;
}

/** Seconds `close` waits for queries still running; by then requests have drained. */
const CLOSE_TIMEOUT_S = 2;

function connect(url: string, max: number) {
  return postgres(url, {
    max,
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
  const client = connect(options.url, options.poolMax);
  const readClient = options.readUrl ? connect(options.readUrl, options.poolMax) : undefined;
  const db = drizzle(client, { schema });
  const readDb = readClient ? drizzle(readClient, { schema }) : db;
  return {
    driver: "postgres",
    db,
    readDb,
    async withSingleSession(fn) {
      const single = connect(options.url, 1);
      try {
        return await fn(drizzle(single, { schema }));
      } finally {
        await single.end({ timeout: CLOSE_TIMEOUT_S });
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await Promise.all([client.end({ timeout: CLOSE_TIMEOUT_S }), readClient?.end({ timeout: CLOSE_TIMEOUT_S })]);
    },
  };
}
