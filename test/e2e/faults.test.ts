import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import postgres from "postgres";
import { type PostgresServer, startPostgresServer } from "../../harness/servers";
import { freePort } from "../../harness/service";
import type { RunningService } from "../support/binary";
import { postgresUrl } from "../support/databases";
import { type Answer, postJson, problemIssues, retryUntilCreated, startRelay } from "../support/faults";
import { useBinaryFleet } from "../support/suite";

// Builds the binary, starts it many times, kills it, and stops a PostgreSQL server of its own under it.
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

/** Longer than any answer may take: a request still unanswered by then is a hang. */
const HANG_MS = 12_000;

interface Timed {
  startedAt: number;
  answer: Answer;
}

/** The answer, or a status-0 stand-in naming the hang or network error, so one slow request does not end the test. */
const answerOrHang = (pending: Promise<Answer>): Promise<Answer> =>
  pending.catch((error: unknown) => ({ status: 0, body: `no answer: ${String(error)}`, headers: new Headers(), ms: HANG_MS }));

/** Log lines holding a password hash or one of the passwords the signups sent. */
const secretsInLines = (lines: string[], signups: Array<{ body: { password: string } }>) =>
  lines
    .filter((line) => line.includes("$argon2") || signups.some(({ body }) => line.includes(body.password)))
    .map((line) => line.slice(0, 300));

/** Figures for the README's Reliability section, printed once at the end. */
const figures: Record<string, unknown> = {};

describe.skipIf(!postgresUrl)("faults, against the compiled binary on PostgreSQL", () => {
  const { start, database } = useBinaryFleet();

  afterAll(() => console.log(`reliability figures: ${JSON.stringify(figures)}`));

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
    let answered = 0;
    const inFlight = keys.map(({ key, body }) =>
      postJson(first.url, body, { "idempotency-key": key })
        .then((answer) => {
          answered++;
          return answer;
        })
        .catch(() => undefined),
    );
    // SIGKILL once a few have answered (at least 100 ms in, at most 3 s): most are still in flight.
    const killDeadline = performance.now() + 3_000;
    await Bun.sleep(100);
    while (answered < 5 && performance.now() < killDeadline) await Bun.sleep(5);
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
    const unrecovered = keys
      .map(({ key }, i) => ({ key, answers: outcomes[i]!.answers.map((answer) => answer.status), created: outcomes[i]!.created }))
      .filter(({ created }) => !created)
      .map(({ key, answers }) => ({ key, answers }));
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
    expect(secretsInLines([...first.lines, ...second.lines], keys)).toEqual([]);
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
    // A server of the test's own: the machine's shared PostgreSQL is never stopped.
    const server: PostgresServer = startPostgresServer();
    try {
      await restartedUnderLoad(server);
    } finally {
      server.remove();
    }
  });

  async function restartedUnderLoad(server: PostgresServer) {
    const db = { url: server.url() };
    const service = await start({ DATABASE_URL: db.url, IDEMPOTENCY_LEASE: "2s" });
    const answers: Timed[] = [];
    let stopLoad = false;
    let next = 0;
    const keys: { key: string; body: ReturnType<typeof payload> }[] = [];
    const send = async (tag: string) => {
      const i = next++;
      const entry = { key: `${tag}-${run}-${i}`, body: payload(tag, i) };
      keys.push(entry);
      const startedAt = performance.now();
      answers.push({ startedAt, answer: await answerOrHang(postJson(service.url, entry.body, { "idempotency-key": entry.key }, HANG_MS)) });
    };
    // Four clients sending new keyed signups back to back; every key is retried at the end.
    const load = Array.from({ length: 4 }, async () => {
      while (!stopLoad) await send("restart");
    });
    let downFrom = Number.POSITIVE_INFINITY;
    let downUntil = Number.POSITIVE_INFINITY;
    let readyWhileDown: number | undefined;
    let healthWhileDown: number | undefined;
    try {
      await Bun.sleep(300);
      server.stop();
      downFrom = performance.now();
      // PostgreSQL is down for ~3 s: one more client probes it, alongside the four.
      while (performance.now() < downFrom + 2_500) await send("down");
      readyWhileDown = (await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined))?.status;
      healthWhileDown = (await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined))?.status;
    } finally {
      downUntil = performance.now();
      server.start();
    }
    // Recovery: /ready 200 again, from the same process (no restart).
    const deadline = Date.now() + 30_000;
    while ((await fetch(`${service.url}/ready`).catch(() => undefined))?.status !== 200) {
      if (Date.now() > deadline) throw new Error(`not ready 30 s after PostgreSQL came back:\n${service.lines.slice(-10).join("\n")}`);
      await Bun.sleep(100);
    }
    const recoveredMs = Math.round(performance.now() - downUntil);
    await Bun.sleep(500);
    stopLoad = true;
    await Promise.all(load);
    expect(service.process.exitCode).toBeNull();
    expect({ readyWhileDown, healthWhileDown }).toEqual({ readyWhileDown: 503, healthWhileDown: 200 });

    // Started while PostgreSQL was down (and at least 2 s before it came back): a 503 problem within 2 s.
    const whileDown = answers.filter(({ startedAt }) => startedAt >= downFrom && startedAt + 2_000 <= downUntil);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(
      whileDown
        .map(({ answer }) => ({ ms: Math.round(answer.ms), issues: problemIssues(answer, 503) }))
        .filter(({ ms, issues }) => ms >= 2_000 || issues.length > 0),
    ).toEqual([]);
    // Across the whole run: only 201s, 409s in progress, and 503 problems with Retry-After. Never a 500, never a hang.
    const all = answers.map(({ answer }) => answer);
    expect(all.filter((answer) => ![201, 409, 503].includes(answer.status)).map((a) => `${a.status} ${a.body}`)).toEqual([]);
    for (const answer of all.filter((answer) => answer.status !== 201)) {
      expect(problemIssues(answer, answer.status)).toEqual([]);
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }

    // Every key sent, retried with its own payload, ends with exactly one user.
    const outcomes = await Promise.all(keys.map(({ key, body }) => retryUntilCreated(service.url, key, body, 20_000)));
    expect(keys.filter((_, i) => !outcomes[i]!.created).map(({ key }) => key)).toEqual([]);
    const state = await snapshot(db.url);
    expect(state.users.map((user) => user.email).sort()).toEqual(keys.map(({ body }) => body.email).sort());
    expect(state.readIds).toEqual(state.users.map((user) => user.id));
    expect(secretsInLines(service.lines, keys)).toEqual([]);
    figures.postgresRestart = {
      requests: all.length,
      whileDown: whileDown.length,
      maxMsWhileDown: Math.round(Math.max(...whileDown.map(({ answer }) => answer.ms))),
      unavailable503: all.filter((answer) => answer.status === 503).length,
      readyAgainAfterMs: recoveredMs,
      keys: keys.length,
      recovered: outcomes.filter((outcome) => outcome.created).length,
    };
  }

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
    const inFlight = keys.map(({ key, body }) => answerOrHang(postJson(service.url, body, { "idempotency-key": key }, HANG_MS)));
    await Bun.sleep(150);
    relay.cut();
    const during = await Promise.all(inFlight);

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

    const ready = await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(3_000) });
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { status: string }).status).toBe("not_ready");
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const after = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) =>
        answerOrHang(postJson(service.url, payload("gone-after", i), { "idempotency-key": `gone-after-${run}-${i}` }, HANG_MS)),
      ),
      answerOrHang(postJson(service.url, payload("gone-after", 99), {}, HANG_MS)),
    ]);
    for (const answer of after) {
      expect(problemIssues(answer, 503)).toEqual([]);
      expect(answer.ms).toBeLessThan(2_500);
    }
    // In flight at the cut: each got its 201 or a 503 problem; none hung, none a 500.
    expect(during.filter((answer) => answer.status !== 201).flatMap((answer) => problemIssues(answer, 503))).toEqual([]);
    expect(secretsInLines(service.lines, keys)).toEqual([]);

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
      await answerOrHang(postJson(service.url, payload("dropped", 1), { "idempotency-key": `dropped-${run}-1` }, HANG_MS)),
      await answerOrHang(postJson(service.url, payload("dropped", 2), {}, HANG_MS)),
    ];
    for (const answer of answers) {
      expect(problemIssues(answer, 503)).toEqual([]);
      expect(answer.ms).toBeLessThan(2_500);
    }
    const read = await fetch(`${service.url}/users/${crypto.randomUUID()}`, { signal: AbortSignal.timeout(3_000) });
    expect(read.status).toBe(503);
    expect(read.headers.get("content-type")).toBe("application/problem+json");
  });
});
