import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { instrument, type StatementRuntime } from "../db/instrument";
import { users, usersRead } from "../db/schema";
import { outboxInsertQuery } from "../events/outbox";
import { completeKeyQuery } from "../idempotency/contract";

const p = sql.placeholder;

const userColumns = {
  id: usersRead.id,
  name: usersRead.name,
  email: usersRead.email,
  display_name: usersRead.displayName,
  created_at: usersRead.createdAt,
};

/**
 * Every per-request statement, prepared once. A signup is ONE statement (data-modifying CTEs):
 * `users`, `users_read` and, for a keyed request, the idempotency record commit together in a
 * single round trip, with no transaction held open across the network. With `outbox`, the same
 * statement also writes the user-created event to the outbox (placeholders: see outboxInsertQuery).
 */
export function prepareUserStatements(
  db: Database,
  replicaDb: Database | undefined,
  runtime: StatementRuntime,
  options: { outbox: boolean },
) {
  const completedKey = db.$with("completed_key").as(completeKeyQuery(db));

  // Column order follows the `users` table definition; the integration suite would fail on a mismatch.
  const userRow = sql`select ${p("id")}::uuid, ${p("name")}::varchar, ${p("email")}::varchar,
    ${p("emailNormalized")}::varchar, ${p("passwordHash")}::text, ${p("displayName")}::varchar,
    ${p("createdAt")}::timestamptz, ${p("createdAt")}::timestamptz`;

  const insertedUser = (completingKey: boolean) =>
    db.$with("inserted_user").as(
      db
        .insert(users)
        .select(completingKey ? sql`${userRow} from ${completedKey}` : userRow)
        .returning({
          id: users.id,
          name: users.name,
          email: users.email,
          displayName: users.displayName,
          createdAt: users.createdAt,
        }),
    );

  const insertReadModel = (inserted: ReturnType<typeof insertedUser>) =>
    sql`select id, name, email, display_name, created_at from ${inserted}`;

  const plainInsert = insertedUser(false);
  const keyedInsert = insertedUser(true);
  /** The event row: one per inserted user, so a lost lease writes no event either. */
  const outboxEvent = (inserted: ReturnType<typeof insertedUser>) => db.$with("outbox_event").as(outboxInsertQuery(db, inserted, "id"));
  const withPlainInsert = options.outbox ? db.with(plainInsert, outboxEvent(plainInsert)) : db.with(plainInsert);
  const withKeyedInsert = options.outbox
    ? db.with(completedKey, keyedInsert, outboxEvent(keyedInsert))
    : db.with(completedKey, keyedInsert);

  return {
    emailTaken: instrument(
      runtime,
      "email_taken",
      "SELECT",
      db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.emailNormalized, p("emailNormalized")))
        .limit(1)
        .prepare("email_taken"),
    ),
    insertUser: instrument(
      runtime,
      "insert_user",
      "INSERT",
      withPlainInsert.insert(usersRead).select(insertReadModel(plainInsert)).returning({ id: usersRead.id }).prepare("insert_user"),
    ),
    /** Inserts nothing when the lease token no longer owns the key (another request took it over). */
    insertUserCompletingKey: instrument(
      runtime,
      "insert_user_completing_key",
      "INSERT",
      withKeyedInsert
        .insert(usersRead)
        .select(insertReadModel(keyedInsert))
        .returning({ id: usersRead.id })
        .prepare("insert_user_completing_key"),
    ),
    /** On the primary: always the latest committed state. */
    findUser: instrument(
      runtime,
      "find_user",
      "SELECT",
      db
        .select(userColumns)
        .from(usersRead)
        .where(eq(usersRead.id, p("id")))
        .prepare("find_user"),
    ),
    /**
     * On the replica: the user if it is there, and in the same round trip how far the replica has
     * replayed, so a miss can be told from "not replayed yet". Always one row (the left join).
     */
    findUserOnReplica:
      replicaDb &&
      instrument(
        runtime,
        "find_user_on_replica",
        "SELECT",
        replicaDb
          .select({
            ...userColumns,
            inRecovery: sql<boolean>`pg_is_in_recovery()`,
            replayedUntilMs: sql<number | null>`(extract(epoch from pg_last_xact_replay_timestamp()) * 1000)::float8`,
          })
          .from(sql`(select 1) as one`)
          .leftJoin(usersRead, eq(usersRead.id, p("id")))
          .prepare("find_user_on_replica"),
      ),
  };
}

export type UserStatements = ReturnType<typeof prepareUserStatements>;
