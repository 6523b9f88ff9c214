import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import postgres from "postgres";
import { type RunningService, binaryInEmptyFolder, buildBinary, startService } from "../support/binary";
import { createEmptyPostgresDatabase, postgresUrl } from "../support/databases";
import {
  type Answer,
  ensurePostgresRunning,
  freePort,
  pgCluster,
  postJson,
  problemIssues,
  retryUntilCreated,
  startRelay,
} from "../support/faults";

// Builds the binary, starts it many times, kills it, and stops PostgreSQL under it.
setDefaultTimeout(120_000);

const run = Bun.randomUUIDv7().slice(-8);
const payload = (tag: string, i: number) => ({
  name: `Fault ${i}`,
  email: `${tag}.${run}.${i}@example.com`,
  password: `S3guro!${i}x`,
  display_name: `Fault ${tag} ${i}`,
});

/** What is in the database, read directly. */
async function snapshot(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const users = await sql<{ id: string; email: string }[]>`select id::text, email_normalized as email from users order by id`;
    const read = await sql<{ id: string }[]>`select id::text from users_read order by id`;
    const keys = await sql<{ key: string; state: string; status: number | null; body: string | null }[]>`
      select key, state, response_status as status, response_body as body from idempotency_keys order by key`;
    return { users, readIds: read.map((row) => row.id), keys };
  } finally {
    await sql.end();
  }
}

/** Figures for the README's Reliability section, printed once at the end. */
const figures: Record<string, unknown> = {};

if (postgresUrl) {
  describe("faults, against the compiled binary on PostgreSQL", () => {
    let folder: ReturnType<typeof binaryInEmptyFolder>;
    const services: RunningService[] = [];
    const databases: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>[] = [];

    const start = async (env: Record<string, string>, waitUntilReady = true) => {
      const service = await startService(folder.binary, { cwd: folder.dir, env, waitUntilReady });
      services.push(service);
      return service;
    };
    const database = async () => {
      const created = await createEmptyPostgresDatabase();
      databases.push(created);
      return created;
    };

    beforeAll(async () => {
      await ensurePostgresRunning();
      await buildBinary();
      folder = binaryInEmptyFolder();
    });

    afterAll(async () => {
      for (const service of services) {
        service.process.kill("SIGKILL");
        await service.process.exited;
      }
      await ensurePostgresRunning();
      for (const created of databases) await created.drop().catch(() => {});
      if (folder) rmSync(folder.dir, { recursive: true, force: true });
      console.log(`reliability figures: ${JSON.stringify(figures)}`);
    });

    test("two copies on one database, one key sent 100 times across both at once: one user; 201 or 409 + Retry-After; both replay", async () => {
      const db = await database();
      const [a, b] = await Promise.all([start({ DATABASE_URL: db.url }), start({ DATABASE_URL: db.url })]);
      const body = payload("twins", 0);
      const key = `twins-${run}`;
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => postJson(i % 2 === 0 ? a!.url : b!.url, body, { "idempotency-key": key })),
      );
      const created = answers.filter((answer) => answer.status === 201);
      const others = answers.filter((answer) => answer.status !== 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((answer) => answer.body)).size).toBe(1);
      expect(
        others
          .map((answer) => ({ status: answer.status, retryAfter: Number(answer.headers.get("retry-after")), body: answer.body }))
          .filter((answer) => !(answer.status === 409 && answer.retryAfter >= 1 && answer.body.includes("idempotency-key-in-progress"))),
      ).toEqual([]);

      const state = await snapshot(db.url);
      expect(state.users.map((user) => user.email)).toEqual([body.email]);
      expect(state.readIds).toEqual(state.users.map((user) => user.id));
      for (const service of [a!, b!]) {
        const replay = await postJson(service.url, body, { "idempotency-key": key });
        expect(replay.status).toBe(201);
        expect(replay.headers.get("idempotent-replayed")).toBe("true");
        expect(replay.body).toBe(created[0]!.body);
      }
      figures.twoCopies = { requests: 100, created: created.length, inProgress409: others.length, users: state.users.length };
    });

    test("kill -9 under 60 keyed signups, restart: every key ends 201 once, users = users_read, replays byte-identical", async () => {
      const db = await database();
      const env = { DATABASE_URL: db.url, IDEMPOTENCY_LEASE: "2s" };
      const first = await start(env);
      const keys = Array.from({ length: 60 }, (_, i) => ({ key: `crash-${run}-${i}`, body: payload("crash", i) }));
      const inFlight = keys.map(({ key, body }) => postJson(first.url, body, { "idempotency-key": key }).catch(() => undefined));
      await Bun.sleep(100);
      first.process.kill("SIGKILL");
      await first.process.exited;
      const beforeKill = await Promise.all(inFlight);
      const answeredBeforeKill = new Map<string, string>();
      beforeKill.forEach((answer, i) => {
        if (answer?.status === 201) answeredBeforeKill.set(keys[i]!.key, answer.body);
        // Whatever did answer before the kill was a 201 (not a 5xx, not a duplicate).
        if (answer) expect({ key: keys[i]!.key, status: answer.status }).toEqual({ key: keys[i]!.key, status: 201 });
      });
      const lost = keys.filter(({ key }) => !answeredBeforeKill.has(key));
      expect(lost.length).toBeGreaterThan(0); // the kill did land while signups were in flight
      const stuck = (await snapshot(db.url)).keys.filter((row) => row.state === "in_progress").length;

      const second = await start(env);
      const outcomes = await Promise.all(keys.map(({ key, body }) => retryUntilCreated(second.url, key, body, 30_000)));
      const unrecovered = keys.filter((_, i) => !outcomes[i]!.created).map(({ key }, i) => ({ key, answers: outcomes[i]!.answers.map((a) => a.status) }));
      expect(unrecovered).toEqual([]);
      // A 201 the client did receive before the kill is what its retry replays, byte for byte.
      for (const [i, { key }] of keys.entries()) {
        const created = outcomes[i]!.created!;
        const before = answeredBeforeKill.get(key);
        if (before !== undefined) {
          expect({ key, replayed: created.headers.get("idempotent-replayed"), body: created.body }).toEqual({
            key,
            replayed: "true",
            body: before,
          });
        }
      }
      // And replaying each key now gives what its retry got.
      for (const [i, { key, body }] of keys.entries()) {
        const replay = await postJson(second.url, body, { "idempotency-key": key });
        expect({ key, status: replay.status, body: replay.body }).toEqual({ key, status: 201, body: outcomes[i]!.created!.body });
      }

      const state = await snapshot(db.url);
      expect(state.users.map((user) => user.email).sort()).toEqual(keys.map(({ body }) => body.email).sort());
      expect(state.readIds).toEqual(state.users.map((user) => user.id));
      const idsFromResponses = outcomes.map((outcome) => (JSON.parse(outcome.created!.body) as { id: string }).id).sort();
      expect(idsFromResponses).toEqual(state.users.map((user) => user.id).sort());
      expect(state.keys.filter((row) => row.state !== "completed" || row.status !== 201)).toEqual([]);
      figures.killNine = {
        keys: keys.length,
        answeredBeforeKill: answeredBeforeKill.size,
        lostResponses: lost.length,
        inProgressAfterKill: stuck,
        recovered: outcomes.filter((outcome) => outcome.created).length,
        replayedOnRetry: outcomes.filter((outcome) => outcome.created!.headers.get("idempotent-replayed") === "true").length,
        retryRequests: outcomes.reduce((sum, outcome) => sum + outcome.answers.length, 0),
      };
    });

    test("PostgreSQL restarted under load: 503 problems within 2 s while it is down, then recovery without a restart", async () => {
      const db = await database();
      const service = await start({ DATABASE_URL: db.url, IDEMPOTENCY_LEASE: "2s" });
      const answers: Answer[] = [];
      const failures: string[] = [];
      let stopLoad = false;
      let next = 0;
      const keys: { key: string; body: ReturnType<typeof payload> }[] = [];
      // Four clients sending new keyed signups back to back, each key retried by the final pass.
      const client = async () => {
        while (!stopLoad) {
          const i = next++;
          const entry = { key: `restart-${run}-${i}`, body: payload("restart", i) };
          keys.push(entry);
          try {
            answers.push(await postJson(service.url, entry.body, { "idempotency-key": entry.key }, 5_000));
          } catch (error) {
            failures.push(`${entry.key}: ${String(error)}`);
          }
        }
      };
      const load = Array.from({ length: 4 }, client);
      const downAnswers: Answer[] = [];
      let readyWhileDown: number | undefined;
      let healthWhileDown: number | undefined;
      try {
        await Bun.sleep(300);
        const stopped = pgCluster("stop");
        expect(stopped.exitCode).toBe(0);
        // PostgreSQL is down: probe for ~2.5 s.
        const downUntil = Date.now() + 2_500;
        while (Date.now() < downUntil) {
          const i = next++;
          try {
            downAnswers.push(await postJson(service.url, payload("down", i), { "idempotency-key": `down-${run}-${i}` }, 5_000));
          } catch (error) {
            failures.push(`while down: ${String(error)}`);
          }
        }
        readyWhileDown = (await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(3_000) })).status;
        healthWhileDown = (await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(3_000) })).status;
      } finally {
        pgCluster("start");
        await ensurePostgresRunning();
      }
      const downAt = answers.length;
      // Recovery: /ready 200 again, the same process (no restart).
      const deadline = Date.now() + 20_000;
      while ((await fetch(`${service.url}/ready`).catch(() => undefined))?.status !== 200) {
        if (Date.now() > deadline) throw new Error(`not ready after PostgreSQL came back:\n${service.lines.slice(-20).join("\n")}`);
        await Bun.sleep(100);
      }
      await Bun.sleep(500);
      stopLoad = true;
      await Promise.all(load);
      expect(service.process.exitCode).toBeNull();

      expect(failures).toEqual([]);
      expect({ readyWhileDown, healthWhileDown }).toEqual({ readyWhileDown: 503, healthWhileDown: 200 });
      expect(downAnswers.length).toBeGreaterThan(0);
      for (const answer of downAnswers) {
        expect(problemIssues(answer, 503)).toEqual([]);
        expect(answer.ms).toBeLessThan(2_000);
      }
      // Under load, across the restart: only 201s, 409s in progress, and 503 problems. Never a 500.
      const all = [...answers, ...downAnswers];
      expect(all.filter((answer) => ![201, 409, 503].includes(answer.status)).map((a) => `${a.status} ${a.body}`)).toEqual([]);
      for (const answer of all.filter((answer) => answer.status !== 201)) {
        expect(problemIssues(answer, answer.status)).toEqual([]);
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      expect(all.filter((answer) => answer.status === 201).length).toBeGreaterThan(answers.length > downAt ? 0 : -1);

      // Every key of the load, retried, ends with one user.
      const outcomes = await Promise.all(keys.map(({ key, body }) => retryUntilCreated(service.url, key, body, 20_000)));
      expect(keys.filter((_, i) => !outcomes[i]!.created).map(({ key }) => key)).toEqual([]);
      const state = await snapshot(db.url);
      expect(state.users.map((user) => user.email).sort()).toEqual(keys.map(({ body }) => body.email).sort());
      expect(state.readIds).toEqual(state.users.map((user) => user.id));
      figures.postgresRestart = {
        requests: all.length,
        whileDown: downAnswers.length,
        maxMsWhileDown: Math.round(Math.max(...downAnswers.map((answer) => answer.ms))),
        unavailable503: all.filter((answer) => answer.status === 503).length,
        keys: keys.length,
        recovered: outcomes.filter((outcome) => outcome.created).length,
      };
    });

    test("database connection gone for good under load: /ready 503, /health 200, 503 problems, nothing half-written", async () => {
      const db = await database();
      const relayPort = freePort();
      const target = new URL(postgresUrl!);
      const relay = startRelay(relayPort, Number(target.port || 5432));
      const databaseName = new URL(db.url).pathname.slice(1);
      let service: RunningService;
      try {
        service = await start({ DATABASE_URL: relay.url(databaseName), IDEMPOTENCY_LEASE: "2s" });
      } catch (error) {
        relay.cut();
        throw error;
      }
      const keys = Array.from({ length: 40 }, (_, i) => ({ key: `gone-${run}-${i}`, body: payload("gone", i) }));
      const inFlight = keys.map(({ key, body }) => postJson(service.url, body, { "idempotency-key": key }, 10_000).catch(() => undefined));
      await Bun.sleep(150);
      relay.cut();
      const during = await Promise.all(inFlight);

      const ready = await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(3_000) });
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { status: string }).status).toBe("not_ready");
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      const after: Answer[] = [];
      for (let i = 0; i < 5; i++) after.push(await postJson(service.url, payload("gone-after", i), { "idempotency-key": `gone-after-${run}-${i}` }));
      after.push(await postJson(service.url, payload("gone-after", 99)));
      for (const answer of after) {
        expect(problemIssues(answer, 503)).toEqual([]);
        expect(answer.ms).toBeLessThan(2_500);
      }
      // In flight at the cut: each got its 201 or a 503 problem; none hung, none a 500.
      const unanswered = during.filter((answer) => answer === undefined).length;
      expect(unanswered).toBe(0);
      for (const answer of during) if (answer!.status !== 201) expect(problemIssues(answer!, 503)).toEqual([]);

      // Nothing half-written: a user exists if and only if its key completed with the 201 naming it,
      // users_read holds exactly the users, and every 201 a client received is there.
      const state = await snapshot(db.url);
      expect(state.readIds).toEqual(state.users.map((user) => user.id));
      const userByEmail = new Map(state.users.map((user) => [user.email, user.id]));
      const keyRow = new Map(state.keys.map((row) => [row.key, row]));
      const halfWritten: string[] = [];
      for (const [i, { key, body }] of keys.entries()) {
        const row = keyRow.get(key);
        const userId = userByEmail.get(body.email);
        const received = during[i]!.status === 201 ? (JSON.parse(during[i]!.body) as { id: string }).id : undefined;
        if (received && received !== userId) halfWritten.push(`${key}: 201 received for ${received}, but it is not in users`);
        if (row?.state === "completed") {
          const storedId = row.status === 201 ? (JSON.parse(row.body!) as { id: string }).id : undefined;
          if (storedId !== userId) halfWritten.push(`${key}: completed with ${row.status} ${storedId}, user ${userId}`);
        } else if (userId) {
          halfWritten.push(`${key}: user ${userId} exists but the key is ${row?.state ?? "absent"}`);
        }
      }
      expect(halfWritten).toEqual([]);
      expect(state.users.length).toBe(state.keys.filter((row) => row.state === "completed").length);
      figures.connectionGone = {
        inFlight: keys.length,
        created: during.filter((answer) => answer!.status === 201).length,
        unavailable503: during.filter((answer) => answer!.status === 503).length + after.length,
        keysLeftInProgress: state.keys.filter((row) => row.state === "in_progress").length,
        users: state.users.length,
      };
    });

    test("database dropped at runtime: /ready 503, /health 200, signups 503 problems, no stack", async () => {
      const db = await database();
      const service = await start({ DATABASE_URL: db.url });
      expect((await postJson(service.url, payload("dropped", 0), { "idempotency-key": `dropped-${run}-0` })).status).toBe(201);
      await db.drop();

      const ready = await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(3_000) });
      expect(ready.status).toBe(503);
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      const answers = [
        await postJson(service.url, payload("dropped", 1), { "idempotency-key": `dropped-${run}-1` }),
        await postJson(service.url, payload("dropped", 2)),
      ];
      for (const answer of answers) {
        expect(problemIssues(answer, 503)).toEqual([]);
        expect(answer.ms).toBeLessThan(2_500);
      }
      const read = await fetch(`${service.url}/users/${crypto.randomUUID()}`);
      expect(read.status).toBe(503);
      expect(read.headers.get("content-type")).toBe("application/problem+json");
    });
  });
}
