import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type PostgresServer, startPostgresServer, startStreamingReplica } from "../../harness/servers";
import type { DatabaseHandle } from "../../src/db/database";
import { migrate } from "../../src/db/migrate";
import { openPostgres } from "../../src/db/postgres";
import { createTestApp, get, json, postSignup, signupBody } from "../support/app";
import { postgresUrl } from "../support/databases";

// A real streaming replica (pg_basebackup -R) of a PostgreSQL server the suite starts itself.
const FAST_HASH = { ARGON2_MEMORY_COST: "8192", ARGON2_TIME_COST: "1", DATABASE_TIMEOUT: "1s" };

type TestApp = ReturnType<typeof createTestApp>;

async function readsBy(app: TestApp["app"]) {
  const text = await (await app.handle(get("/metrics"))).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^user_reads_total\{database="(\w+)",reason="(\w+)"\} (\d+)$/gm)) {
    counts[`${match[1]}/${match[2]}`] = Number(match[3]);
  }
  return counts;
}

/** `clients` concurrent clients, each signing up and at once reading its Location, `count` in all. */
async function signUpThenRead(app: TestApp["app"], count: number, clients = 8) {
  let next = 0;
  const stale: string[] = [];
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        next++;
        const created = await app.handle(postSignup(signupBody()));
        expect(created.status).toBe(201);
        const location = created.headers.get("location") ?? "";
        const read = await app.handle(get(location));
        if (read.status !== 200) stale.push(`${location}: ${read.status}`);
        else expect(await json(read)).toEqual(await json(created));
        ids.push(location.slice("/users/".length));
      }
    }),
  );
  return { stale, ids };
}

describe.skipIf(!postgresUrl)("a real streaming replica behind READ_DATABASE_URL", () => {
  let primary: PostgresServer;
  let replica: PostgresServer;
  let delayed: PostgresServer;
  const handles: DatabaseHandle[] = [];
  const open = (readUrl: string) => {
    const handle = openPostgres({ url: primary.url(), readUrl, poolMax: 6 });
    handles.push(handle);
    return handle;
  };

  beforeAll(async () => {
    primary = startPostgresServer();
    const setup = openPostgres({ url: primary.url(), poolMax: 1 });
    await migrate(setup);
    await setup.close();
    replica = startStreamingReplica(primary);
    delayed = startStreamingReplica(primary, { applyDelayMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    for (const server of [delayed, replica, primary]) server?.remove();
  }, 30_000);

  test("200 signups each read back at once: 0 stale answers; reads of existing users come from the replica", async () => {
    const { app } = createTestApp(open(replica.url()), FAST_HASH);
    const { stale, ids } = await signUpThenRead(app, 200);
    expect(stale).toEqual([]);
    await Bun.sleep(300);

    const before = await readsBy(app);
    for (const id of ids.slice(0, 50)) expect((await app.handle(get(`/users/${id}`))).status).toBe(200);
    const after = await readsBy(app);
    expect((after["replica/replica"] ?? 0) - (before["replica/replica"] ?? 0)).toBe(50);
    expect(after["primary/recent_write"] ?? 0).toBe(before["primary/recent_write"] ?? 0);
  }, 60_000);

  test("the replica 500 ms behind (recovery_min_apply_delay): 0 stale answers, the misses re-read on the primary", async () => {
    const { app } = createTestApp(open(delayed.url()), FAST_HASH);
    const { stale, ids } = await signUpThenRead(app, 200);
    expect(stale).toEqual([]);
    expect((await readsBy(app))["primary/recent_write"]).toBeGreaterThan(0);

    // Once replayed, the same users come from the replica.
    await Bun.sleep(1500);
    const before = await readsBy(app);
    for (const id of ids.slice(0, 20)) expect((await app.handle(get(`/users/${id}`))).status).toBe(200);
    const after = await readsBy(app);
    expect((after["replica/replica"] ?? 0) - (before["replica/replica"] ?? 0)).toBe(20);
  }, 60_000);

  test("a flood of unknown ids is answered by the replica: none reaches the primary", async () => {
    const { app } = createTestApp(open(delayed.url()), FAST_HASH);
    const oldV7 = (i: number) => `018f${i.toString(16).padStart(4, "0")}-0000-7000-8000-000000000000`;
    const unknown = [
      ...Array.from({ length: 150 }, () => crypto.randomUUID()),
      ...Array.from({ length: 50 }, (_, i) => oldV7(i)),
      // A UUIDv7 "from" an hour ahead: not an id this service made.
      Bun.randomUUIDv7("hex", Date.now() + 3_600_000),
    ];
    const answers = await Promise.all(unknown.map((id) => app.handle(get(`/users/${id}`)).then((r) => r.status)));
    expect(new Set(answers)).toEqual(new Set([404]));
    const reads = await readsBy(app);
    expect(reads["replica/replica"]).toBe(unknown.length);
    expect(Object.keys(reads).filter((label) => label.startsWith("primary/"))).toEqual([]);
  }, 30_000);

  test("replica stopped: GETs answer from the primary at once, /ready stays 200 and says so; back on the replica after it returns", async () => {
    const handle = open(replica.url());
    const { app } = createTestApp(handle, FAST_HASH);
    const created = await app.handle(postSignup(signupBody()));
    const location = created.headers.get("location") ?? "";
    await Bun.sleep(200);
    expect((await app.handle(get(location))).status).toBe(200);

    replica.stop();
    try {
      expect((await app.handle(get(location))).status).toBe(200); // the first failure, answered by the primary
      const slowest = { ms: 0 };
      for (let i = 0; i < 30; i++) {
        const started = performance.now();
        expect((await app.handle(get(location))).status).toBe(200);
        slowest.ms = Math.max(slowest.ms, performance.now() - started);
      }
      expect(slowest.ms).toBeLessThan(50);
      const reads = await readsBy(app);
      expect(reads["primary/replica_down"]).toBeGreaterThanOrEqual(30);
      const metrics = await (await app.handle(get("/metrics"))).text();
      expect(metrics).toContain("read_replica_up 0");

      const ready = await app.handle(get("/ready"));
      expect(ready.status).toBe(200);
      const body = await json(ready);
      expect(body.checks.database.status).toBe("healthy");
      expect(body.checks.read_database.status).toBe("unhealthy");
    } finally {
      replica.start();
    }

    const returned = performance.now();
    let onReplica = false;
    while (!onReplica && performance.now() - returned < 10_000) {
      const before = (await readsBy(app))["replica/replica"] ?? 0;
      expect((await app.handle(get(location))).status).toBe(200);
      onReplica = ((await readsBy(app))["replica/replica"] ?? 0) > before;
      if (!onReplica) await Bun.sleep(100);
    }
    expect(onReplica).toBe(true);
    const ready = await json(await app.handle(get("/ready")));
    expect(ready.checks.read_database.status).toBe("healthy");
  }, 60_000);
});
