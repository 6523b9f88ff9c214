import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { idempotencyKeys } from "../../src/db/schema";
import { createTestApp, json, postSignup, signupBody } from "../support/app";
import { rowCounts } from "../support/rows";
import { useTestDatabase } from "../support/suite";

describe("signup rate limit", () => {
  const database = useTestDatabase("pglite");

  test("past RATE_LIMIT_SIGNUP per client: 429 with Retry-After, before any work, nothing stored under the key", async () => {
    const { app } = createTestApp(database.handle, { RATE_LIMIT_SIGNUP: "3", TRUST_PROXY: "true" });
    const from = (client: string, headers: Record<string, string> = {}) =>
      postSignup(signupBody(), { "x-forwarded-for": `${client}, 10.0.0.1`, ...headers });
    for (let i = 0; i < 3; i++) expect((await app.handle(from("203.0.113.7"))).status).toBe(201);

    const before = await rowCounts(database.handle);
    const limited = await app.handle(from("203.0.113.7", { "idempotency-key": "limited-key" }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await json(limited)).type).toBe("urn:signup-service:problem:rate-limited");
    expect(await rowCounts(database.handle)).toEqual(before);
    expect(await database.handle.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, "limited-key"))).toEqual([]);

    expect((await app.handle(from("198.51.100.20"))).status).toBe(201);
  });

  test("without TRUST_PROXY, X-Forwarded-For cannot mint new clients", async () => {
    const { app } = createTestApp(database.handle, { RATE_LIMIT_SIGNUP: "2" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await app.handle(postSignup(signupBody(), { "x-forwarded-for": `192.0.2.${i}` }))).status);
    }
    expect(statuses).toEqual([201, 201, 429, 429]);
  });

  test("0, the default, turns the limit off", async () => {
    const { app } = createTestApp(database.handle);
    const statuses = await Promise.all(Array.from({ length: 40 }, () => app.handle(postSignup(signupBody())).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([201]));
  });
});
