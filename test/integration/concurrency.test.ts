import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { count, eq, sql } from "drizzle-orm";
import pino from "pino";
import postgres from "postgres";
import { createBatchSweeper } from "../../src/db/batch-sweeper";
import { openPostgres } from "../../src/db/postgres";
import { idempotencyKeys, users, usersRead } from "../../src/db/schema";
import { idempotencySweepStatement } from "../../src/idempotency/sweep";
import { SIGNUP_SCOPE } from "../../src/users/routes";
import { createTestApp, postSignup, signupBody } from "../support/app";
import { createTestDatabase, postgresUrl, type TestDatabase } from "../support/databases";

// Races need real concurrent sessions: these run on PostgreSQL only (TEST_DATABASE_URL, set by .ci/run).
describe.skipIf(!postgresUrl)("concurrency on postgres", () => {
  let database: TestDatabase;
  let app: ReturnType<typeof createTestApp>["app"];
  let metrics: ReturnType<typeof createTestApp>["metrics"];

  beforeAll(async () => {
    database = await createTestDatabase("postgres", 20);
    ({ app, metrics } = createTestApp(database.handle));
  });
  afterAll(() => database.drop());

  const countRows = async (table: typeof users | typeof usersRead) => (await database.handle.db.select({ n: count() }).from(table))[0]!.n;

  test("50 concurrent signups of one email in mixed case: one 201, 49 409", async () => {
    const base = signupBody();
    const variants = Array.from({ length: 50 }, (_, i) => {
      const email = [...base.email].map((c, j) => ((i >> (j % 6)) & 1 ? c.toUpperCase() : c)).join("");
      return postSignup({ ...base, email });
    });
    const statuses = (await Promise.all(variants.map((request) => app.handle(request)))).map((r) => r.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    const stored = await database.handle.db.select().from(users).where(eq(users.emailNormalized, base.email));
    expect(stored).toHaveLength(1);
  });

  test("100 concurrent requests with one key and payload: one user; 201s or 409s with Retry-After; then a replay", async () => {
    const body = signupBody();
    const headers = { "idempotency-key": `race-${Bun.randomUUIDv7()}` };
    const responses = await Promise.all(Array.from({ length: 100 }, () => app.handle(postSignup(body, headers))));
    const bodies201 = new Set<string>();
    for (const response of responses) {
      if (response.status === 201) bodies201.add(await response.text());
      else {
        expect(response.status).toBe(409);
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
    }
    expect(bodies201.size).toBe(1);
    const stored = await database.handle.db.select().from(users).where(eq(users.emailNormalized, body.email));
    expect(stored).toHaveLength(1);
    const replay = await app.handle(postSignup(body, headers));
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe([...bodies201][0]!);
    expect(await countRows(users)).toBe(await countRows(usersRead));
  });

  test.each([
    { twin: "rolls back", status: 201, users: 1 },
    // Its fingerprint is not this payload's: once it commits, the key is one used with another payload.
    { twin: "commits", status: 422, users: 0 },
  ])(
    "a keyed signup hashes while its claim waits on a twin's uncommitted key; the twin $twin: $status",
    async ({ twin, status, users: expectedUsers }) => {
      const hashesDone = async () => {
        const text = await metrics.registry.getSingleMetricAsString("password_hash_duration_seconds");
        return Number(/^password_hash_duration_seconds_count(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
      };
      const body = signupBody();
      const key = `overlap-${Bun.randomUUIDv7()}`;
      // The twin's insert of the same key, uncommitted: invisible to the lookup, it makes the claim wait on the key's index entry.
      const holder = postgres(database.url!, { max: 1, onnotice: () => {} });
      let finishTwin!: () => void;
      const twinFinishes = new Promise<void>((resolve) => {
        finishTwin = resolve;
      });
      let inserted!: () => void;
      const keyHeld = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const holding = holder.begin(async (tx) => {
        await tx`insert into idempotency_keys (scope, key, fingerprint, secret_version, state, lease_token, locked_until, expires_at)
               values (${SIGNUP_SCOPE}, ${key}, 'f', 1, 'in_progress', ${Bun.randomUUIDv7()}, now() + interval '30 seconds', now() + interval '1 hour')`;
        inserted();
        await twinFinishes;
        if (twin === "rolls back") throw new Error("rolled back on purpose");
      });
      const observer = postgres(database.url!, { max: 1, onnotice: () => {} });
      const claimsWaiting = async () => {
        const [row] = await observer<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`;
        return row?.n ?? 0;
      };
      /** Polls for at most 3 s. */
      const eventually = async (condition: () => Promise<boolean>) => {
        for (const deadline = Date.now() + 3000; Date.now() < deadline; await Bun.sleep(10)) if (await condition()) return true;
        return false;
      };
      let answer: Promise<Response> | undefined;
      try {
        await keyHeld;
        const before = await hashesDone();
        answer = app.handle(postSignup(body, { "idempotency-key": key }));
        const claimWaited = await eventually(async () => (await claimsWaiting()) === 1);
        const hashedMeanwhile = await eventually(async () => (await hashesDone()) > before);
        const stillWaiting = (await claimsWaiting()) === 1;
        finishTwin();
        await holding.catch(() => {});
        expect({ claimWaited, hashedMeanwhile, stillWaiting }).toEqual({ claimWaited: true, hashedMeanwhile: true, stillWaiting: true });
        const response = await answer;
        expect(response.status).toBe(status);
        const stored = await database.handle.db.select().from(users).where(eq(users.emailNormalized, body.email));
        expect(stored).toHaveLength(expectedUsers);
      } finally {
        finishTwin();
        await holding.catch(() => {});
        // Settled before the next case, which counts hashes.
        await answer?.catch(() => {});
        await holder.end({ timeout: 2 });
        await observer.end({ timeout: 2 });
      }
    },
    15_000,
  );

  test("two sweepers at once remove every expired record and no live one", async () => {
    const expired = 2500;
    const live = 300;
    await database.handle.db.execute(sql`
        insert into idempotency_keys (scope, key, fingerprint, secret_version, state, expires_at)
        select ${SIGNUP_SCOPE}, 'sweep-' || g, 'f', 1, 'completed',
               case when g <= ${expired} then now() - interval '1 minute' else now() + interval '1 hour' end
        from generate_series(1, ${expired + live}) g`);
    const logger = pino({ level: "silent" });
    const second = openPostgres({ url: database.url!, poolMax: 2 });
    const sweepers = [database.handle.db, second.db].map((db) =>
      createBatchSweeper({ what: "expired idempotency keys", deleteBatch: idempotencySweepStatement(db), intervalMs: 60_000, logger }),
    );
    const deleted = await Promise.all(sweepers.map((sweeper) => sweeper.sweepOnce()));
    await second.close();
    expect(deleted[0]! + deleted[1]!).toBe(expired);
    const left = await database.handle.db.select({ n: count() }).from(idempotencyKeys).where(sql`${idempotencyKeys.key} like 'sweep-%'`);
    expect(left[0]!.n).toBe(live);
    const stillExpired = await database.handle.db
      .select({ n: count() })
      .from(idempotencyKeys)
      .where(sql`${idempotencyKeys.expiresAt} <= now()`);
    expect(stillExpired[0]!.n).toBe(0);
  });

  test("store unreachable: a keyed request fails closed with a 503 problem, fast", async () => {
    const unreachable = openPostgres({ url: "postgres://postgres@127.0.0.1:1/none", poolMax: 1 });
    const offline = createTestApp(unreachable).app;
    const started = performance.now();
    const response = await offline.handle(postSignup(signupBody(), { "idempotency-key": "offline-key" }));
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(performance.now() - started).toBeLessThan(2000);
    await unreachable.close();
  });
});
