import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { BASE, createTestApp, postSignup, signupBody } from "../support/app";
import { createTestDatabase, describeOnEachDriver, drivers, type TestDatabase } from "../support/databases";
import { rowCounts } from "../support/rows";

// Thousands of requests through app.handle(), each with a row count before and after.
setDefaultTimeout(180_000);

/** Runs per property on PGlite; PostgreSQL gets half as many (same properties, a second driver). */
const RUNS = { bodies: 800, headers: 450, raw: 300, ids: 300, routes: 150 } as const;
const runsOn = (driver: string, runs: number) => (driver === "pglite" ? runs : Math.ceil(runs / 2));

/** Sum of numRuns across this file in one run, reported for the README. */
let generatedCases = 0;

/** What the service may echo as X-Request-Id (its own rule: anything else is replaced). */
const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const CHEAP_HASH = { ARGON2_MEMORY_COST: "8192", ARGON2_TIME_COST: "1" };

// ---------------------------------------------------------------- arbitraries

const controlChars = fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)), maxLength: 8 });
const hugeString = fc.integer({ min: 256, max: 70_000 }).map((n) => "x".repeat(n));

/** Strings of every kind: ASCII, full Unicode, lone surrogates, control characters, blanks, long, huge. */
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 1, arbitrary: controlChars },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", " ", "\t\n", "\u00a0", "\u200b", "\ufeff", "null", "undefined", "💥", "a@b", "@", "A".repeat(255)),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 250, maxLength: 300 }) },
  { weight: 1, arbitrary: hugeString },
);

/** A value of the wrong type (or the right one) for any field. */
const anyFieldValue = fc.oneof(
  { weight: 4, arbitrary: anyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) },
);

const emailLike = fc.oneof(
  anyString,
  fc.emailAddress(),
  fc.tuple(anyString, anyString).map(([local, domain]) => `${local}@${domain}`),
  fc.constantFrom("ana@", "@example.com", "ana@@example.com", "ana@example", "ANA@EXAMPLE.COM", " ana@example.com "),
);
const passwordLike = fc.oneof(
  anyString,
  fc.constantFrom("short1A", "alllowercase1", "ALLUPPERCASE1", "NoDigitsHere", `S3${"x".repeat(127)}`, "S3guro!123"),
);

let unique = 0;
const freshEmail = () => `fuzz.${Date.now()}.${++unique}@example.com`;

/** Objects with any subset of the four fields, of any type, plus unknown fields. */
const looseObject = fc.record(
  {
    name: anyFieldValue,
    email: fc.oneof(emailLike, anyFieldValue),
    password: fc.oneof(passwordLike, anyFieldValue),
    display_name: anyFieldValue,
    extra: fc.jsonValue({ maxDepth: 2 }),
    __proto__: fc.jsonValue({ maxDepth: 1 }),
    constructor: anyFieldValue,
  },
  { requiredKeys: [] },
);

/** A valid body with exactly one field broken (or removed): the validator must catch each one alone. */
const nearlyValid = fc
  .tuple(fc.constantFrom("name", "email", "password", "display_name"), fc.option(anyFieldValue, { nil: undefined }))
  .map(([field, value]) => {
    const body: Record<string, unknown> = signupBody({ email: freshEmail() });
    if (value === undefined) delete body[field];
    else body[field] = value;
    return body;
  });

/** Now and then a valid signup (fresh email, or one already taken: a duplicate). */
const validBody = fc
  .record({ name: fc.string({ minLength: 1, maxLength: 30 }), display_name: fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }) })
  .filter(({ name, display_name }) => name.trim().length > 0 && display_name.trim().length > 0)
  .map(({ name, display_name }) => signupBody({ name, display_name, email: freshEmail() }));

/** Free text of any code points: control characters (NUL included), lone surrogates, emoji, RTL marks. */
const oddText = fc
  .string({
    unit: fc.oneof(
      fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
      fc.constantFrom("\u007f", "\u0085", "\u200e", "\u202e", "\ud800", "\udfff", "\ufffe", "\uffff", "💥", "é", "ß", "İ"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    ),
    minLength: 1,
    maxLength: 12,
  })
  .filter((text) => /\S/.test(text));

/** A signup the validator accepts, with odd but valid text in the free-text fields: it reaches the database. */
const validBodyOddText = fc
  .record({ name: oddText, display_name: oddText })
  .map(({ name, display_name }) => signupBody({ name, display_name, email: freshEmail() }));

const anyBody = fc.oneof(
  { weight: 3, arbitrary: looseObject },
  { weight: 3, arbitrary: nearlyValid },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: validBody },
  { weight: 1, arbitrary: validBodyOddText },
);

const idempotencyKey = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 }),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 250, maxLength: 260 }),
  fc.string({ maxLength: 20 }).map((s) => `"${s}"`),
  fc.constantFrom("", '"', '""', '"a', 'a"', '"a"b"', "ключ", "clé", "a b", "a\tb", "'a'", "*", "x".repeat(255), "x".repeat(256)),
);

const requestId = fc.oneof(
  fc.string({ maxLength: 140 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.stringMatching(/^[A-Za-z0-9._:@/+=-]{1,128}$/),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent as the literal text
  fc.constantFrom("", "a".repeat(128), "a".repeat(129), "<script>", "a\tb", "id with spaces", "日本", "${jndi:x}", "..%2f"),
);

const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    " application/json ",
    "application/problem+json",
    "application/merge-patch+json",
    "application/vnd.api+json; charset=latin1",
    "application/jsonx",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "text/json",
    "application/",
    "json",
    ";",
    "",
  ),
  fc.string({ maxLength: 40 }),
);

// ---------------------------------------------------------------- helpers

/**
 * Sets a header the way it would arrive: a value outside Latin-1 goes as its UTF-8 bytes (as a
 * client would send them); a value no client can send at all (a NUL or line break) is left out.
 */
function setHeader(headers: Headers, name: string, value: string) {
  try {
    headers.set(name, value);
  } catch {
    try {
      headers.set(name, Buffer.from(value, "utf8").toString("latin1"));
    } catch {
      // Not a sendable header value.
    }
  }
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

function toRequest(sent: Sent): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(sent.headers)) setHeader(headers, name, value);
  return new Request(`${BASE}${sent.path}`, { method: sent.method, headers, body: sent.body });
}

const stringify = (body: unknown) => JSON.stringify(body) ?? "null";

describeOnEachDriver("generated requests on %s", (driver) => {
  let database: TestDatabase;
  let app: ReturnType<typeof createTestApp>["app"];
  const existingIds: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    app = createTestApp(database.handle, CHEAP_HASH).app;
    for (let i = 0; i < 2; i++) {
      const response = await app.handle(postSignup(signupBody({ email: freshEmail() })));
      expect(response.status).toBe(201);
      existingIds.push(((await response.json()) as { id: string }).id);
    }
  });
  afterAll(async () => {
    await database.drop();
    if (driver === drivers[drivers.length - 1]) console.log(`fuzz: ${generatedCases} generated cases in this run`);
  });

  /**
   * Sends one generated request and checks what holds for every request: no 5xx; a non-2xx is
   * problem+json whose `status` is the HTTP status; X-Request-Id comes back and is safe (the
   * client's own when it was safe); a rejected request leaves every table as it was.
   */
  async function check(sent: Sent) {
    const request = toRequest(sent);
    const sentRequestId = request.headers.get("x-request-id");
    const keyed = request.headers.has("idempotency-key");
    const before = await rowCounts(database.handle);
    const response = await app.handle(request);
    const text = await response.text();
    const after = await rowCounts(database.handle);
    const context = `${sent.method} ${sent.path} -> ${response.status} ${text.slice(0, 300)}`;

    expect({ context, serverError: response.status >= 500 }).toEqual({ context, serverError: false });

    const echoed = response.headers.get("x-request-id");
    expect({ context, echoed, safe: SAFE_ID.test(echoed ?? "") }).toEqual({ context, echoed, safe: true });
    if (sentRequestId !== null && SAFE_ID.test(sentRequestId)) expect(echoed).toBe(sentRequestId);
    expect(SAFE_ID.test(response.headers.get("x-correlation-id") ?? "")).toBe(true);

    if (response.status < 200 || response.status >= 300) {
      expect({ context, contentType: response.headers.get("content-type") }).toEqual({
        context,
        contentType: "application/problem+json",
      });
      const problem = JSON.parse(text) as { status?: unknown; type?: unknown; title?: unknown };
      expect({ context, status: problem.status }).toEqual({ context, status: response.status });
      expect(typeof problem.type).toBe("string");
      expect(typeof problem.title).toBe("string");
      expect(text).not.toMatch(/\n\s+at |\.ts:\d+/);
      // A keyed 409 duplicate email is an outcome of execution: stored under its key, nothing else.
      const storedDuplicate = response.status === 409 && keyed && text.includes("duplicate-email");
      const expected = storedDuplicate && after.keys === before.keys + 1 ? { ...before, keys: before.keys + 1 } : before;
      expect({ context, rows: after }).toEqual({ context, rows: expected });
    } else if (response.status === 201) {
      const replayed = response.headers.get("idempotent-replayed") === "true";
      const grew = replayed ? 0 : 1;
      const keyGrew = replayed || !keyed ? 0 : 1;
      expect({ context, rows: after }).toEqual({
        context,
        rows: { users: before.users + grew, usersRead: before.usersRead + grew, keys: before.keys + keyGrew },
      });
    } else {
      expect({ context, rows: after }).toEqual({ context, rows: before });
    }
    return { response, text };
  }

  test("POST /signup with generated bodies: never a 5xx, always a problem when rejected, nothing stored when rejected", async () => {
    const numRuns = runsOn(driver, RUNS.bodies);
    generatedCases += numRuns;
    await fc.assert(
      fc.asyncProperty(anyBody, fc.option(idempotencyKey, { nil: undefined }), async (body, key) => {
        await check({
          method: "POST",
          path: "/signup",
          headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
          body: stringify(body),
        });
      }),
      { numRuns },
    );
  });

  test("POST /signup with generated headers (Idempotency-Key, X-Request-Id, X-Correlation-Id, Content-Type)", async () => {
    const numRuns = runsOn(driver, RUNS.headers);
    generatedCases += numRuns;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: nearlyValid }, { weight: 1, arbitrary: validBody }),
        fc.record(
          { "idempotency-key": idempotencyKey, "x-request-id": requestId, "x-correlation-id": requestId, "content-type": contentType },
          { requiredKeys: [] },
        ),
        async (body, headers) => {
          await check({ method: "POST", path: "/signup", headers, body: stringify(body) });
        },
      ),
      { numRuns },
    );
  });

  test("POST /signup with raw bytes, broken JSON and any content type", async () => {
    const numRuns = runsOn(driver, RUNS.raw);
    generatedCases += numRuns;
    const rawBody = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.string({ unit: "binary", maxLength: 64 }),
      fc.jsonValue().map((value) => stringify(value).slice(0, -1)),
      fc.constantFrom("", "{", "[", '{"name":', "nul\u0000l", "\ufeff{}", "{}garbage", '{"a":1}{"b":2}', "1e999999", '"\\ud800"'),
      fc.integer({ min: 65_000, max: 70_000 }).map((n) => `{"name":"${"x".repeat(n)}"}`),
    );
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, async (body, type) => {
        await check({ method: "POST", path: "/signup", headers: { "content-type": type }, body });
      }),
      { numRuns },
    );
  });

  test("GET /users/{id} with generated ids, raw and URL-encoded: 200 only for a user that exists, else a 404/422 problem", async () => {
    const numRuns = runsOn(driver, RUNS.ids);
    generatedCases += numRuns;
    const id = fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.uuid().map((uuid) => uuid.toUpperCase()) },
      { weight: 1, arbitrary: fc.constantFrom(...existingIds) },
      { weight: 1, arbitrary: fc.constantFrom(...existingIds).map((uuid) => uuid.toUpperCase()) },
      { weight: 1, arbitrary: fc.uuid().map((uuid) => `${uuid}x`) },
      { weight: 1, arbitrary: fc.constantFrom("", "..", "%", "%00", "00000000-0000-0000-0000-000000000000", "' or 1=1 --", "{id}") },
    );
    await fc.assert(
      fc.asyncProperty(id, fc.boolean(), async (value, encode) => {
        const path = `/users/${encode ? encodeURIComponent(value) : value}`;
        let url: URL;
        try {
          url = new URL(`${BASE}${path}`);
        } catch {
          return; // not a URL any client could send
        }
        const { response, text } = await check({ method: "GET", path: url.pathname + url.search, headers: {} });
        const exists = existingIds.includes(value.toLowerCase());
        if (response.status === 200) {
          expect({ value, exists }).toEqual({ value, exists: true });
          expect((JSON.parse(text) as { id: string }).id).toBe(value.toLowerCase());
        } else if (exists && encode) {
          throw new Error(`existing user ${value} answered ${response.status}`);
        }
      }),
      { numRuns },
    );
  });

  test("any method on any route: never a 5xx, every error a problem", async () => {
    const numRuns = runsOn(driver, RUNS.routes);
    generatedCases += numRuns;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
        fc.oneof(
          fc.constantFrom("/signup", "/signup/", "/users/", "/users", "/health", "/ready", "/nope", "/SIGNUP", "/signup?x=1", "//signup"),
          fc.webPath(),
        ),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        async (method, path, body) => {
          if (!path.startsWith("/")) path = `/${path}`;
          const withBody = body !== undefined && method !== "GET";
          await check({
            method,
            path,
            headers: withBody ? { "content-type": "application/json" } : {},
            body: withBody ? stringify(body) : undefined,
          });
        },
      ),
      { numRuns },
    );
  });
});
