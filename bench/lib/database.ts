// The bench's own database (created fresh, dropped at the end) and the checks made on it afterwards.
import postgres from "postgres";
import { CFG } from "./config.ts";
import { log } from "./log.ts";

export interface BenchDatabase {
  /** Connected to the server's maintenance database: creates and drops the bench database. */
  admin: postgres.Sql;
  /** Connected to the bench database, for the checks. */
  db: postgres.Sql;
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  const admin = postgres(CFG.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(CFG.adminUrl);
  url.pathname = `/${name}`;
  const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
  return {
    admin,
    db,
    url: url.toString(),
    async drop() {
      await db.end({ timeout: 2 }).catch(() => {});
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch((e) => log(`drop database failed: ${e}`));
      await admin.end({ timeout: 2 });
    },
  };
}

function single<T>(rows: T[], query: string): T {
  const [row] = rows;
  if (!row) throw new Error(`${query}: no row`);
  return row;
}

export interface SignupsToCheck {
  /** Ids of the signups Locust saw answered 201, and the tag in their emails. */
  locust: { tag: string; ids: string[] };
  /** The run tags of the wrk signup measurements, and the 201s wrk counted. */
  wrk: { tags: string[]; created: number };
  /** Rows the admission sweep created (not checked, reported). */
  sweepCreated: number;
}

export type DatabaseChecks = Awaited<ReturnType<typeof checkDatabase>>;

export async function checkDatabase(db: postgres.Sql, signups: SignupsToCheck) {
  const counts = single(
    await db<Array<{ users: number; distinct_emails: number; users_read: number; unmatched: number; keys_in_progress: number }>>`
      select (select count(*) from users)::int as users,
             (select count(distinct email_normalized) from users)::int as distinct_emails,
             (select count(*) from users_read)::int as users_read,
             (select count(*) from users u full join users_read r using (id) where u.id is null or r.id is null)::int as unmatched,
             (select count(*) from idempotency_keys where state = 'in_progress')::int as keys_in_progress`,
    "counts",
  );
  const locustIds = signups.locust.ids;
  const locustRows = single(
    await db<Array<{ rows: number; found: number; found_read: number }>>`
      select (select count(*) from users where email like ${`locust-${signups.locust.tag}-%`})::int as rows,
             (select count(*) from users where id = any(${locustIds}::uuid[]))::int as found,
             (select count(*) from users_read where id = any(${locustIds}::uuid[]))::int as found_read`,
    "Locust rows",
  );
  const wrkRows = single(
    await db<Array<{ rows: number }>>`select count(*)::int as rows from users where ${db.unsafe(
      signups.wrk.tags.map((t) => `email like 'wrk-${t}-%'`).join(" or ") || "false",
    )}`,
    "wrk rows",
  );
  const wrkCreated = signups.wrk.created;
  return {
    ...counts,
    no_duplicate_email: counts.users === counts.distinct_emails,
    users_equals_users_read: counts.users === counts.users_read && counts.unmatched === 0,
    locust_201: locustIds.length,
    locust_rows: locustRows.rows,
    locust_201_rows_found: locustRows.found,
    locust_201_read_rows_found: locustRows.found_read,
    locust_every_201_is_one_row:
      locustRows.found === locustIds.length && locustRows.found_read === locustIds.length && locustRows.rows === locustIds.length,
    wrk_signup_201: wrkCreated,
    wrk_signup_rows: wrkRows.rows,
    // wrk stops at its deadline with requests in flight; those finish in the service (their rows
    // exist) but wrk never counts their 201. At most one per connection per measurement.
    wrk_signup_rows_not_counted_by_wrk: wrkRows.rows - wrkCreated,
    sweep_201: signups.sweepCreated,
  };
}
