import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../../src/db/schema";
import { normalizePassword } from "../../src/users/password-normalization";
import { createTestApp, get, json, postSignup, signupBody } from "../support/app";
import { drivers } from "../support/databases";
import { rowCounts } from "../support/rows";
import { useTestApp } from "../support/suite";

const sha1 = (text: string) => new Bun.CryptoHasher("sha1").update(text).digest("hex").toUpperCase();
const BREACHED = "Velero-Azul-breached-1";

/** A local range server that knows one breached password, and a path that never answers in time. */
function startRangeServer() {
  const breached = sha1(BREACHED);
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path.startsWith("/slow/")) await Bun.sleep(2_000);
      const prefix = path.split("/").pop();
      return new Response(prefix === breached.slice(0, 5) ? `${breached.slice(5)}:42\r\n` : "0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n");
    },
  });
}

describe.each(drivers)("the password policy through the app on %s", (driver) => {
  const { database, app } = useTestApp(driver);
  let range: ReturnType<typeof startRangeServer>;
  beforeAll(() => {
    range = startRangeServer();
  });
  afterAll(() => range.stop(true));

  const passwordErrors = async (response: Response) => {
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    return (await json(response)).errors.filter((error: { field: string }) => error.field === "password");
  };

  test("common passwords, as typed by a new user, are 422s that name the rule, and nothing is stored", async () => {
    const before = await rowCounts(database.handle);
    for (const password of ["Password1", "P@ssw0rd", "Qwerty123", "Welcome1", "Summer2024"]) {
      const response = await app.handle(postSignup(signupBody({ password })));
      const text = await response.clone().text();
      expect(await passwordErrors(response)).toEqual([
        { field: "password", rule: "common", message: "is too common: it is on a list of frequently used and breached passwords" },
      ]);
      expect(text.toLowerCase()).not.toContain(password.toLowerCase());
    }
    expect(await rowCounts(database.handle)).toEqual(before);
  });

  test("the user's own email, with a capital and a digit, is refused", async () => {
    const body = signupBody();
    const password = `${body.email[0]!.toUpperCase()}${body.email.slice(1)}1`;
    expect(await passwordErrors(await app.handle(postSignup({ ...body, password })))).toEqual([
      { field: "password", rule: "contains_email", message: "must not be built from your email address" },
    ]);
    const named = signupBody({ name: "Benedikt Oyelaran", display_name: "Bene" });
    expect(await passwordErrors(await app.handle(postSignup({ ...named, password: "Oyelaran2024!" })))).toEqual([
      { field: "password", rule: "contains_name", message: "must not be built from your name or display name" },
    ]);
  });

  test("a weak password beside another bad field: every rule in one answer", async () => {
    const response = await app.handle(postSignup(signupBody({ email: "not-an-email", password: "Password1" })));
    expect(response.status).toBe(422);
    const errors = (await json(response)).errors;
    expect(errors.some((error: { field: string }) => error.field === "email")).toBe(true);
    expect(errors).toContainEqual(expect.objectContaining({ field: "password", rule: "common" }));
  });

  test("Cyrillic and Greek passwords pass the composition rule", async () => {
    for (const password of ["Пароль-Секрет-2024", "Κωδικός-Ασφαλής-42"]) {
      expect((await app.handle(postSignup(signupBody({ password })))).status).toBe(201);
    }
  });

  test("NFC and NFD spellings verify alike against the stored hash", async () => {
    const nfc = "Café-Ñandú-Velero-7".normalize("NFC");
    const nfd = nfc.normalize("NFD");
    expect(nfd).not.toBe(nfc);
    const user = await json(await app.handle(postSignup(signupBody({ password: nfd }))));
    const [row] = await database.handle.db.select().from(users).where(eq(users.id, user.id));
    const hash = row!.passwordHash;
    expect(hash).toStartWith("$argon2id$");
    // The stored hash is of the normalized form: the precomposed spelling verifies as typed, and
    // any spelling verifies once normalized as the service does (NFKC).
    expect(await Bun.password.verify(nfc, hash)).toBe(true);
    expect(await Bun.password.verify(normalizePassword(nfd), hash)).toBe(true);
    expect(await Bun.password.verify(normalizePassword(nfc), hash)).toBe(true);
    expect(await Bun.password.verify("Cafe-Nandu-Velero-7", hash)).toBe(false);
  });

  test("one Idempotency-Key with the NFC and then the NFD spelling is the same request: a replay", async () => {
    const nfc = "Café-Ñandú-Velero-8".normalize("NFC");
    const body = signupBody({ password: nfc });
    const key = `unicode-${Date.now()}`;
    const first = await app.handle(postSignup(body, { "idempotency-key": key }));
    expect(first.status).toBe(201);
    const again = await app.handle(postSignup({ ...body, password: nfc.normalize("NFD") }, { "idempotency-key": key }));
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  test("NIST mode (PASSWORD_COMPOSITION_RULE=false) takes a long passphrase without classes", async () => {
    const nist = createTestApp(database.handle, { PASSWORD_COMPOSITION_RULE: "false", PASSWORD_MIN_LENGTH: "15" }).app;
    expect((await nist.handle(postSignup(signupBody({ password: "velero azul marea lenta" })))).status).toBe(201);
    expect((await nist.handle(postSignup(signupBody({ password: "密码是一只蓝色的帆船在海上慢慢地航行" })))).status).toBe(201);
    expect(await passwordErrors(await nist.handle(postSignup(signupBody({ password: "Velero-Azul-27" }))))).toEqual([
      { field: "password", rule: "min_length", message: "must be at least 15 characters" },
    ]);
    expect(await passwordErrors(await app.handle(postSignup(signupBody({ password: "velero azul marea lenta" }))))).toEqual([
      { field: "password", rule: "uppercase", message: "must contain an upper-case letter" },
      { field: "password", rule: "digit", message: "must contain a digit" },
    ]);
  });

  test("with PASSWORD_BLOCKLIST=false, a listed password passes", async () => {
    const open = createTestApp(database.handle, { PASSWORD_BLOCKLIST: "false" }).app;
    expect((await open.handle(postSignup(signupBody({ password: "Password1" })))).status).toBe(201);
  });

  test("bcrypt mode refuses what bcrypt would truncate (over 72 bytes)", async () => {
    const bcrypt = createTestApp(database.handle, { PASSWORD_HASH_ALGORITHM: "bcrypt", BCRYPT_COST: "4" }).app;
    const at72 = `Velero-Azul-27-${"x".repeat(57)}`;
    expect((await bcrypt.handle(postSignup(signupBody({ password: at72 })))).status).toBe(201);
    expect(await passwordErrors(await bcrypt.handle(postSignup(signupBody({ password: `${at72}y` }))))).toEqual([
      { field: "password", rule: "max_bytes", message: "must be at most 72 bytes in UTF-8" },
    ]);
    expect((await app.handle(postSignup(signupBody({ password: `${at72}y` })))).status).toBe(201);
  });

  test("a replay answers before the policy; a refused password claims no key", async () => {
    const body = signupBody({ password: "Password1" });
    const key = { "idempotency-key": `policy-replay-${crypto.randomUUID()}` };
    // Accepted by a copy without the common-password list...
    const lenient = createTestApp(database.handle, { PASSWORD_BLOCKLIST: "false" }).app;
    const first = await lenient.handle(postSignup(body, key));
    expect(first.status).toBe(201);
    // ...and replayed by one with it: the stored answer, not the policy, answers a replay.
    const replay = await app.handle(postSignup(body, key));
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());
    const before = await rowCounts(database.handle);
    const refused = await app.handle(
      postSignup(signupBody({ password: "Password1" }), { "idempotency-key": `policy-refused-${crypto.randomUUID()}` }),
    );
    expect((await passwordErrors(refused)).map((error: { rule: string }) => error.rule)).toEqual(["common"]);
    expect(await rowCounts(database.handle)).toEqual(before);
  });

  test("with PWNED_PASSWORDS_URL: a breached password is a 422 `breached`, nothing stored, key left free", async () => {
    const { app: online } = createTestApp(database.handle, { PWNED_PASSWORDS_URL: `http://127.0.0.1:${range.port}` });
    const before = await rowCounts(database.handle);
    const key = `breached-${Date.now()}`;
    const body = signupBody({ password: BREACHED });
    expect(await passwordErrors(await online.handle(postSignup(body, { "idempotency-key": key })))).toEqual([
      { field: "password", rule: "breached", message: "appears in known data breaches; choose another" },
    ]);
    expect(await rowCounts(database.handle)).toEqual(before);
    const fixed = await online.handle(postSignup({ ...body, password: "Velero-Azul-clean-1" }, { "idempotency-key": key }));
    expect(fixed.status).toBe(201);
    const scraped = await (await online.handle(get("/metrics"))).text();
    expect(scraped).toContain('pwned_passwords_checks_total{outcome="breached"} 1');
    expect(scraped).toContain('pwned_passwords_checks_total{outcome="clean"} 1');
  });

  test("a lookup that times out: fail open signs up (and counts it); fail closed is a 503 and stores nothing", async () => {
    const url = `http://127.0.0.1:${range.port}/slow`;
    const { app: open } = createTestApp(database.handle, { PWNED_PASSWORDS_URL: url, PWNED_PASSWORDS_TIMEOUT: "200ms" });
    expect((await open.handle(postSignup(signupBody({ password: BREACHED })))).status).toBe(201);
    expect(await (await open.handle(get("/metrics"))).text()).toContain('pwned_passwords_checks_total{outcome="failed_open"} 1');

    const closed = createTestApp(database.handle, {
      PWNED_PASSWORDS_URL: url,
      PWNED_PASSWORDS_TIMEOUT: "200ms",
      PWNED_PASSWORDS_FAILURE_MODE: "closed",
    }).app;
    const before = await rowCounts(database.handle);
    const response = await closed.handle(postSignup(signupBody({ password: "Velero-Azul-clean-2" })));
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("retry-after")).toBe("2");
    expect(await rowCounts(database.handle)).toEqual(before);
  });
});
