import { count } from "drizzle-orm";
import type { DatabaseHandle } from "../../src/db/database";
import { idempotencyKeys, users, usersRead } from "../../src/db/schema";

/** Row counts of every table: a rejected request must leave all three unchanged. */
export async function rowCounts(handle: DatabaseHandle) {
  const [[u], [r], [k]] = await Promise.all([
    handle.db.select({ n: count() }).from(users),
    handle.db.select({ n: count() }).from(usersRead),
    handle.db.select({ n: count() }).from(idempotencyKeys),
  ]);
  return { users: u!.n, usersRead: r!.n, keys: k!.n };
}
