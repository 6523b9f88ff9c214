import { expect, test } from "bun:test";
import { count, eq } from "drizzle-orm";
import { idempotencyKeys, rateLimitBuckets } from "../../src/db/schema";
import { createTestApp, json, postSignup, signupBody } from "../support/app";
import { describeOnEachDriver } from "../support/databases";
import { rowCounts } from "../support/rows";
import { useTestDatabase } from "../support/suite";

const FAST_HASH = { ARGON2_MEMORY_COST: "8192", ARGON2_TIME_COST: "1" };

describeOnEachDriver("signup rate limit on %s", (driver) => {
  const database = useTestDatabase(driver);
  /** Behind one trusted proxy, which appends the address it saw: the right-most entry. */
  const via = (client: string, forgedFirstHop = "203.0.113.250") => ({ "x-forwarded-for": `${forgedFirstHop}, ${client}` });

  test("past RATE_LIMIT_SIGNUP per client: 429 with Retry-After, before any work, nothing stored under the key", async () => {
    const { app } = createTestApp(database.handle, { ...FAST_HASH, RATE_LIMIT_SIGNUP: "3", TRUST_PROXY: "true" });
    const started = performance.now();
    for (let i = 0; i < 3; i++) expect((await app.handle(postSignup(signupBody(), via("198.51.100.7")))).status).toBe(201);

    const before = await rowCounts(database.handle);
    const limited = await app.handle(postSignup(signupBody(), { ...via("198.51.100.7"), "idempotency-key": `limited-${driver}` }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = Number(limited.headers.get("retry-after"));
    // 3 a minute: the next token is 20 s after the first signup.
    const elapsedSeconds = (performance.now() - started) / 1000;
    expect(retryAfter).toBeGreaterThanOrEqual(Math.floor(20 - elapsedSeconds) - 1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect((await json(limited)).type).toBe("urn:signup-service:problem:rate-limited");
    expect(await rowCounts(database.handle)).toEqual(before);
    const stored = await database.handle.db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, `limited-${driver}`));
    expect(stored).toEqual([]);

    expect((await app.handle(postSignup(signupBody(), via("198.51.100.20")))).status).toBe(201);
  });

  test("a forged first X-Forwarded-For hop neither bypasses the limit nor adds state", async () => {
    const { app } = createTestApp(database.handle, { RATE_LIMIT_SIGNUP: "2", TRUST_PROXY: "1" });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await app.handle(postSignup(signupBody(), via("198.51.100.33", `10.${i}.0.1`)))).status);
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(38);
    const [buckets] = await database.handle.db
      .select({ n: count() })
      .from(rateLimitBuckets)
      .where(eq(rateLimitBuckets.client, "198.51.100.33"));
    expect(buckets?.n).toBe(1);
    const [all] = await database.handle.db.select({ n: count() }).from(rateLimitBuckets);
    expect(all?.n).toBeLessThanOrEqual(4);
  });

  test("TRUST_PROXY=2 reads the entry the outer of two proxies wrote; a malformed one counts as the socket's", async () => {
    const { app } = createTestApp(database.handle, { RATE_LIMIT_SIGNUP: "1", TRUST_PROXY: "2" });
    const twoHops = (client: string, forged: string) => ({ "x-forwarded-for": `${forged}, ${client}, 10.0.0.2` });
    expect((await app.handle(postSignup(signupBody(), twoHops("198.51.100.44", "a")))).status).toBe(201);
    expect((await app.handle(postSignup(signupBody(), twoHops("198.51.100.44", "b")))).status).toBe(429);
    expect((await app.handle(postSignup(signupBody(), twoHops("198.51.100.45", "b")))).status).toBe(201);
    // Not an address: the socket's ("unknown" without one, here) is the client.
    expect((await app.handle(postSignup(signupBody(), twoHops("not-an-ip", "c")))).status).toBe(201);
    expect((await app.handle(postSignup(signupBody(), twoHops("also-not", "d")))).status).toBe(429);
  });

  test("without TRUST_PROXY, X-Forwarded-For cannot mint new clients", async () => {
    const { app } = createTestApp(database.handle, { RATE_LIMIT_SIGNUP: "2" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await app.handle(postSignup(signupBody(), { "x-forwarded-for": `192.0.2.${i}` }))).status);
    }
    // Shares the "unknown" bucket with the previous test's socketless requests: none is left.
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);
  });

  test("0, the default, turns the limit off", async () => {
    const { app } = createTestApp(database.handle, FAST_HASH);
    const statuses = await Promise.all(Array.from({ length: 40 }, () => app.handle(postSignup(signupBody())).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([201]));
  }, 30_000);
});
