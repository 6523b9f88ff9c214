import { describe, expect, test } from "bun:test";
import { createTestApp, json, postSignup, signupBody } from "../support/app";
import { rowCounts } from "../support/rows";
import { useTestDatabase } from "../support/suite";

describe("admission control for hashing", () => {
  const database = useTestDatabase("pglite");

  test("past HASH_CONCURRENCY + HASH_MAX_QUEUE, signups answer 503 with Retry-After at once and store nothing", async () => {
    const { app } = createTestApp(database.handle, { HASH_CONCURRENCY: "1", HASH_MAX_QUEUE: "2" });
    const before = await rowCounts(database.handle);
    const bodies = Array.from({ length: 10 }, () => signupBody());
    const responses = await Promise.all(
      bodies.map((body, i) => app.handle(postSignup(body, { "idempotency-key": `gate-${before.users}-${i}` }))),
    );
    const statuses = responses.map((response) => response.status);
    const accepted = statuses.filter((status) => status === 201).length;
    const shed = responses.filter((response) => response.status === 503);
    expect(accepted + shed.length).toBe(10);
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(shed.length).toBeGreaterThanOrEqual(1);
    for (const response of shed) {
      expect(response.headers.get("retry-after")).toBe("1");
      expect((await json(response)).type).toBe("urn:signup-service:problem:overloaded");
    }
    const after = await rowCounts(database.handle);
    expect(after.users - before.users).toBe(accepted);
    expect(after.keys - before.keys).toBe(accepted);

    // A shed keyed request left its key free: the retry runs.
    const index = statuses.indexOf(503);
    const retried = await app.handle(postSignup(bodies[index], { "idempotency-key": `gate-${before.users}-${index}` }));
    expect(retried.status).toBe(201);
  });

  test("with the defaults, a burst of 100 signups queues rather than sheds", async () => {
    const { app } = createTestApp(database.handle);
    const statuses = await Promise.all(Array.from({ length: 100 }, () => app.handle(postSignup(signupBody())).then((r) => r.status)));
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
  }, 30_000);
});
