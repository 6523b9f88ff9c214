import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { request } from "node:http";
import postgres from "postgres";
import { type Pgbouncer, startPgbouncer } from "../../harness/servers";
import type { RunningService } from "../support/binary";
import { postgresUrl } from "../support/databases";
import { useBinaryFleet } from "../support/suite";

// The binary as teams deploy it past one server: behind pgbouncer in transaction mode, and as
// two copies sharing one rate limit.
setDefaultTimeout(120_000);

const run = Bun.randomUUIDv7().slice(-8);
const FAST_HASH = { ARGON2_MEMORY_COST: "8192", ARGON2_TIME_COST: "1" };
const body = (tag: string, i: number) =>
  JSON.stringify({ name: `Scale ${i}`, email: `${tag}.${run}.${i}@example.com`, password: `S3guro!${i}x`, display_name: `S ${i}` });

const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: payload,
    signal: AbortSignal.timeout(15_000),
  });

/** Lines at level error (50) or above. */
const errorLines = (service: RunningService) =>
  service.lines.filter((line) => line.startsWith("{") && (JSON.parse(line) as { level?: number }).level! >= 50);

async function usersIn(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql<{ id: string; email: string }[]>`select id::text, email from users_read order by id`;
  } finally {
    await sql.end();
  }
}

describe.skipIf(!postgresUrl)("the binary past one database server", () => {
  const { start, database } = useBinaryFleet(FAST_HASH);
  let bouncer: Pgbouncer;

  beforeAll(async () => {
    bouncer = await startPgbouncer({ port: Number(new URL(postgresUrl!).port || 5432) });
  });
  afterAll(() => bouncer?.stop());

  test("behind pgbouncer in transaction mode with DATABASE_PREPARE=false: two copies migrate at once, 200 signups from 16 clients, 300 GETs, one user per key; no error logged", async () => {
    const db = await database();
    const name = new URL(db.url).pathname.slice(1);
    const env = { DATABASE_URL: bouncer.url(name), DATABASE_PREPARE: "false" };
    // Both start on the empty database together: the migration lock holds through the pooler.
    const [service, twin] = await Promise.all([start(env), start(env)]);

    let next = 0;
    const created: { id: string; email: string; user: unknown }[] = [];
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 200) {
          const i = next++;
          const answer = await post(service.url, body("bouncer", i));
          if (answer.status !== 201) failures.push(`${answer.status} ${await answer.text()}`);
          else {
            const user = (await answer.json()) as { id: string; email: string };
            created.push({ id: user.id, email: user.email, user });
          }
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(created).toHaveLength(200);

    const reads = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const expected = created[i % created.length]!;
        const answer = await fetch(`${service.url}/users/${expected.id}`, { signal: AbortSignal.timeout(15_000) });
        return { status: answer.status, matches: JSON.stringify(await answer.json()) === JSON.stringify(expected.user) };
      }),
    );
    expect(reads.filter((read) => read.status !== 200 || !read.matches)).toEqual([]);

    const key = `bouncer-key-${run}`;
    const payload = body("bouncer-key", 0);
    const keyed = await Promise.all(Array.from({ length: 30 }, () => post(service.url, payload, { "idempotency-key": key })));
    const statuses = keyed.map((answer) => answer.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const rows = await usersIn(db.url);
    expect(rows.filter((row) => row.email.startsWith("bouncer-key."))).toHaveLength(1);
    expect(rows).toHaveLength(201);
    expect(errorLines(service)).toEqual([]);
    expect(errorLines(twin)).toEqual([]);
  });

  test("behind pgbouncer with named prepared statements (the wrong setting): never another user's data, never a hang", async () => {
    const db = await database();
    const name = new URL(db.url).pathname.slice(1);
    // Migrated directly, so the service under test starts ready whatever the pooler does to it.
    const migrator = await start({ DATABASE_URL: db.url });
    await migrator.stop();
    const service = await start({ DATABASE_URL: bouncer.url(name), DATABASE_TIMEOUT: "2s" }, false);
    await Bun.sleep(1000);

    const users: { id: string; text: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const answer = await post(service.url, body("prepared", i)).catch(() => undefined);
      if (answer?.status === 201) {
        const text = await answer.text();
        users.push({ id: (JSON.parse(text) as { id: string }).id, text });
      }
    }
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const started = performance.now();
        const user = users[i % Math.max(1, users.length)];
        const path = user ? `/users/${user.id}` : `/users/${crypto.randomUUID()}`;
        const answer = await fetch(`${service.url}${path}`, { signal: AbortSignal.timeout(10_000) });
        const text = await answer.text();
        return { status: answer.status, type: answer.headers.get("content-type"), text, ms: performance.now() - started, user };
      }),
    );
    // The run exercised both paths: users were created and read back through the pooler.
    expect(users.length).toBeGreaterThan(0);
    expect(answers.some((answer) => answer.status === 200)).toBe(true);
    // Every answer came, within the statement deadline and a margin.
    expect(answers.filter((answer) => answer.ms > 6_000)).toEqual([]);
    for (const answer of answers) {
      if (answer.status === 200) {
        expect(answer.text).toBe(answer.user!.text);
      } else {
        // The misconfiguration shows as a problem (404, or a 5xx the log explains), never as data.
        expect([404, 500, 503]).toContain(answer.status);
        expect(answer.type).toBe("application/problem+json");
      }
    }
  });

  test("two copies, one client over RATE_LIMIT_SIGNUP: the limit holds in total; forged first hops neither bypass it nor add state", async () => {
    const db = await database();
    const env = { DATABASE_URL: db.url, RATE_LIMIT_SIGNUP: "5", TRUST_PROXY: "true" };
    const [a, b] = await Promise.all([start(env), start(env)]);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const copy = i % 2 === 0 ? a : b;
      const answer = await post(copy.url, body("limited", i), { "x-forwarded-for": `10.${i % 250}.${i}.1, 198.51.100.9` });
      statuses.push(answer.status);
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(35);

    // Distinct forged first hops from one client: one bucket, and the copy's memory stays put.
    // (The in-process limiter this replaced grew about 84 MB per 10,000 distinct values.)
    const rss = async (service: RunningService) =>
      Number(/^process_resident_memory_bytes (\d+)/m.exec(await (await fetch(`${service.url}/metrics`)).text())?.[1]);
    const forge = async (from: number, count: number) => {
      for (let batch = from; batch < from + count; batch += 200) {
        await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            post(a.url, body("forged", batch + i), {
              "x-forwarded-for": `10.${(batch + i) >> 16}.${((batch + i) >> 8) & 255}.${(batch + i) & 255}, 198.51.100.9`,
            }),
          ),
        );
      }
    };
    await forge(0, 2000); // warms the allocator and the JIT up
    const before = await rss(a);
    await forge(2000, 10_000);
    const after = await rss(a);
    expect(after - before).toBeLessThan(40 * 1024 * 1024);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const buckets = await sql<{ client: string }[]>`select client from rate_limit_buckets`;
    await sql.end();
    expect(buckets.map((bucket) => bucket.client)).toEqual(["198.51.100.9"]);
    expect((await usersIn(db.url)).length).toBe(5);
  });

  test("without a trusted proxy, RATE_LIMIT_SIGNUP keys each client by its socket address; X-Forwarded-For is ignored", async () => {
    const db = await database();
    const service = await start({ DATABASE_URL: db.url, RATE_LIMIT_SIGNUP: "2" });
    const { port } = new URL(service.url);
    // From a chosen loopback address: fetch cannot pick its source address, node:http can.
    const postFrom = (localAddress: string, payload: string) =>
      new Promise<number>((resolve, reject) => {
        const outgoing = request(
          {
            host: "127.0.0.1",
            port,
            path: "/signup",
            method: "POST",
            localAddress,
            headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.9" },
            timeout: 15_000,
          },
          (answer) => {
            answer.resume();
            answer.on("end", () => resolve(answer.statusCode ?? 0));
          },
        );
        outgoing.on("timeout", () => outgoing.destroy(new Error("no answer within 15 s")));
        outgoing.on("error", reject);
        outgoing.end(payload);
      });
    const first: number[] = [];
    for (let i = 0; i < 3; i++) first.push(await postFrom("127.0.0.2", body("socket-a", i)));
    expect(first).toEqual([201, 201, 429]);
    expect(await postFrom("127.0.0.3", body("socket-b", 0))).toBe(201);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const buckets = await sql<{ client: string }[]>`select client from rate_limit_buckets order by client`;
    await sql.end();
    expect(buckets.map((bucket) => bucket.client)).toEqual(["127.0.0.2", "127.0.0.3"]);
  });
});
