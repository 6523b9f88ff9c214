import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { idempotencyKeys, users } from "../../src/db/schema";
import { canonicalJson, createFingerprinter } from "../../src/idempotency/fingerprint";
import { SIGNUP_SCOPE } from "../../src/users/routes";
import { createTestApp, json, postSignup, signupBody, TEST_SECRET } from "../support/app";
import { describeOnEachDriver } from "../support/databases";
import { rowCounts } from "../support/rows";
import { useTestApp } from "../support/suite";

const keyed = (key: string) => ({ "idempotency-key": key });
let keyCounter = 0;
const newKey = () => `key-${Date.now()}-${++keyCounter}`;

describeOnEachDriver("idempotency on %s", (driver) => {
  const { database, app } = useTestApp(driver);

  const usersWithEmail = async (email: string) =>
    (await database.handle.db.select().from(users).where(eq(users.emailNormalized, email.toLowerCase()))).length;

  test("a retry replays the stored response byte for byte, with both markers and the Location", async () => {
    const key = newKey();
    const body = signupBody();
    const first = await app.handle(postSignup(body, keyed(key)));
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstText = await first.text();

    const again = await app.handle(postSignup(body, keyed(key)));
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(firstText);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("x-idempotency-hit")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await usersWithEmail(body.email)).toBe(1);
  });

  test("field order and whitespace do not change the fingerprint", async () => {
    const key = newKey();
    const body = signupBody();
    expect((await app.handle(postSignup(body, keyed(key)))).status).toBe(201);
    const reordered = `{ "display_name": ${JSON.stringify(body.display_name)},\n "password": ${JSON.stringify(body.password)},
      "email": ${JSON.stringify(body.email)}, "name": ${JSON.stringify(body.name)} }`;
    const replay = await app.handle(postSignup(reordered, keyed(key)));
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  test("another payload under a used key is 422, a changed password alone included", async () => {
    const key = newKey();
    const body = signupBody();
    expect((await app.handle(postSignup(body, keyed(key)))).status).toBe(201);
    for (const changed of [{ ...body, password: "An0ther!pass" }, { ...body, name: "Someone else" }, signupBody()]) {
      const response = await app.handle(postSignup(changed, keyed(key)));
      expect(response.status).toBe(422);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect((await json(response)).type).toBe("urn:signup-service:problem:idempotency-key-reused");
    }
    expect(await usersWithEmail(body.email)).toBe(1);
  });

  test("the quoted form of a key is the same key", async () => {
    const key = newKey();
    const body = signupBody();
    expect((await app.handle(postSignup(body, keyed(`"${key}"`)))).status).toBe(201);
    const replay = await app.handle(postSignup(body, keyed(key)));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  test("bad keys are 400 and run nothing", async () => {
    const before = await rowCounts(database.handle);
    for (const key of ["", "has space", "x".repeat(256), '"', '""', '"a"b"', "tab\there"]) {
      const response = await app.handle(postSignup(signupBody(), keyed(key)));
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await rowCounts(database.handle)).toEqual(before);
  });

  test("keys are scoped: the same key on another app's scope does not collide with a completed one", async () => {
    const key = newKey();
    const body = signupBody();
    expect((await app.handle(postSignup(body, keyed(key)))).status).toBe(201);
    const [row] = await database.handle.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));
    expect(row!.scope).toBe(SIGNUP_SCOPE);
  });

  test("a validation failure leaves the key free for the corrected request", async () => {
    const key = newKey();
    const body = signupBody();
    const invalid = await app.handle(postSignup({ ...body, password: "weak" }, keyed(key)));
    expect(invalid.status).toBe(422);
    const corrected = await app.handle(postSignup(body, keyed(key)));
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get("idempotent-replayed")).toBeNull();
  });

  test("a server failure releases the claim: the retry runs and succeeds", async () => {
    const key = newKey();
    const body = signupBody();
    // A fault injected in the database itself: the read model refuses every row.
    await database.handle.db.execute(sql`alter table users_read add constraint injected_fault check (false) not valid`);
    try {
      const failed = await app.handle(postSignup(body, keyed(key)));
      expect(failed.status).toBe(500);
      expect(failed.headers.get("content-type")).toBe("application/problem+json");
      expect(await failed.text()).not.toContain("injected_fault");
    } finally {
      await database.handle.db.execute(sql`alter table users_read drop constraint injected_fault`);
    }
    expect(await usersWithEmail(body.email)).toBe(0);
    const retried = await app.handle(postSignup(body, keyed(key)));
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await usersWithEmail(body.email)).toBe(1);
  });

  test("a duplicate email under a key is stored: the retry replays the same 409", async () => {
    const body = signupBody();
    expect((await app.handle(postSignup(body))).status).toBe(201);
    const key = newKey();
    const first = await app.handle(postSignup(body, keyed(key)));
    expect(first.status).toBe(409);
    const replay = await app.handle(postSignup(body, keyed(key)));
    expect(replay.status).toBe(409);
    expect(replay.headers.get("content-type")).toBe("application/problem+json");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(await first.text());
  });

  test("a live claim answers 409 with Retry-After; an expired lease is taken over and runs", async () => {
    const body = signupBody();
    const fingerprint = createFingerprinter({ current: { secret: TEST_SECRET, version: 1 } }).of(body);
    const claim = (key: string, lockedUntil: string) =>
      database.handle.db.insert(idempotencyKeys).values({
        scope: SIGNUP_SCOPE,
        key,
        fingerprint: fingerprint.value,
        secretVersion: 1,
        state: "in_progress",
        leaseToken: Bun.randomUUIDv7(),
        lockedUntil: sql.raw(lockedUntil) as never,
        expiresAt: sql`now() + interval '1 hour'` as never,
      });

    const liveKey = newKey();
    await claim(liveKey, "now() + interval '20 seconds'");
    const busy = await app.handle(postSignup(body, keyed(liveKey)));
    expect(busy.status).toBe(409);
    expect(busy.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = Number(busy.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(await usersWithEmail(body.email)).toBe(0);

    const deadKey = newKey();
    await claim(deadKey, "now() - interval '1 second'");
    const takenOver = await app.handle(postSignup(body, keyed(deadKey)));
    expect(takenOver.status).toBe(201);
    expect(await usersWithEmail(body.email)).toBe(1);
  });

  test("an expired record counts as absent, even before the sweeper removes it", async () => {
    const shortLived = createTestApp(database.handle, { IDEMPOTENCY_TTL: "300ms", IDEMPOTENCY_LEASE: "100ms" }).app;
    const key = newKey();
    expect((await shortLived.handle(postSignup(signupBody(), keyed(key)))).status).toBe(201);
    await Bun.sleep(400);
    const reused = await shortLived.handle(postSignup(signupBody(), keyed(key)));
    expect(reused.status).toBe(201);
    expect(reused.headers.get("idempotent-replayed")).toBeNull();
  });

  test("IDEMPOTENCY_KEY_REQUIRED makes the header mandatory", async () => {
    const strict = createTestApp(database.handle, { IDEMPOTENCY_KEY_REQUIRED: "true" }).app;
    const before = await rowCounts(database.handle);
    const response = await strict.handle(postSignup(signupBody()));
    expect(response.status).toBe(400);
    expect((await json(response)).type).toBe("urn:signup-service:problem:idempotency-key-required");
    expect(await rowCounts(database.handle)).toEqual(before);
    expect((await strict.handle(postSignup(signupBody(), keyed(newKey())))).status).toBe(201);
  });

  test("the table holds no password, no raw body and no unkeyed hash of the body", async () => {
    const key = newKey();
    const body = signupBody({ password: "Un1que-secret-pw" });
    expect((await app.handle(postSignup(body, keyed(key)))).status).toBe(201);
    const [row] = await database.handle.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));
    const stored = JSON.stringify(row);
    const plainHashes = [canonicalJson(body), JSON.stringify(body)].flatMap((text) => [
      createHash("sha256").update(text).digest("hex"),
      createHash("sha256").update(text).digest("base64"),
    ]);
    expect(stored).not.toContain(body.password);
    expect(stored).not.toContain("$argon2");
    for (const hash of plainHashes) expect(stored).not.toContain(hash);
    expect(row!.fingerprint).toBe(createFingerprinter({ current: { secret: TEST_SECRET, version: 1 } }).of(body).value);
    expect(row!.secretVersion).toBe(1);
  });

  test("a record made under the previous secret still replays after a rotation", async () => {
    const key = newKey();
    const body = signupBody();
    expect((await app.handle(postSignup(body, keyed(key)))).status).toBe(201);
    const rotated = createTestApp(database.handle, {
      IDEMPOTENCY_SECRET: "a-brand-new-secret-after-rotation",
      IDEMPOTENCY_SECRET_VERSION: "2",
      IDEMPOTENCY_PREVIOUS_SECRET: TEST_SECRET,
    }).app;
    const replay = await rotated.handle(postSignup(body, keyed(key)));
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await rotated.handle(postSignup({ ...body, password: "Chang3d!pw" }, keyed(key)))).status).toBe(422);
  });
});
