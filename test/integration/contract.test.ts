import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { PROBLEM_CONTENT_TYPE } from "../../src/http/problem";
import { createTestApp, get, json, postSignup, signupBody } from "../support/app";
import { createContractChecker, type OpenApiDocument } from "../support/contract";
import { createTestDatabase, drivers } from "../support/databases";
import { useTestApp, useTestDatabase } from "../support/suite";

// Dozens of signups, each with a real password hash.
setDefaultTimeout(30_000);

type Schema = { minLength?: number; maxLength?: number; pattern?: string; format?: string };

/** The served document, loosely typed: the tests read its constraints. */
const documentOf = async (app: { handle(request: Request): Promise<Response> }) => json(await app.handle(get("/docs/json")));

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
  const response = new Response(JSON.stringify(body), { status, headers });
  return { status, headers: response.headers, text: () => response.text() };
};

const ids = { "x-request-id": "r", "x-correlation-id": "c", "x-content-type-options": "nosniff" };
const user = {
  id: "0193f1c2-7a4e-7c3b-9a51-6b2f0e8d4c11",
  name: "Ana",
  email: "a@b.co",
  display_name: "A",
  created_at: "2025-10-05T12:00:00.000Z",
};
const problem = { type: "urn:x", title: "Not Found", status: 404 };

describe("the answer checker", () => {
  const database = useTestDatabase("pglite");
  let checker: ReturnType<typeof createContractChecker>;
  test("accepts a declared answer", async () => {
    checker = createContractChecker((await documentOf(createTestApp(database.handle).app)) as OpenApiDocument);
    const headers = { ...ids, "content-type": "application/json", "cache-control": "no-store" };
    await checker.check("GET", `http://localhost/users/${user.id}`, answer(200, user, headers));
  });

  test("refuses an undeclared status, a wrong shape, a missing header, an undeclared content type", async () => {
    const url = `http://localhost/users/${user.id}`;
    const headers = { ...ids, "content-type": "application/json", "cache-control": "no-store" };
    await expect(checker.check("GET", url, answer(418, user, headers))).rejects.toThrow("status 418 is not declared");
    await expect(checker.check("GET", url, answer(200, { ...user, id: 1 }, headers))).rejects.toThrow("body");
    await expect(checker.check("GET", url, answer(200, user, { ...headers, "cache-control": "" }))).rejects.toThrow("Cache-Control");
    const { "x-request-id": _, ...withoutId } = headers;
    await expect(checker.check("GET", url, answer(200, user, withoutId))).rejects.toThrow("X-Request-Id is required");
    await expect(checker.check("GET", url, answer(200, user, { ...headers, "content-type": "text/html" }))).rejects.toThrow(
      "content type text/html",
    );
    await expect(
      checker.check("GET", url, answer(404, { ...problem, status: "404" }, { ...ids, "content-type": PROBLEM_CONTENT_TYPE })),
    ).rejects.toThrow("body");
  });

  test("an unknown route must get a 4xx Problem", async () => {
    const headers = { ...ids, "content-type": PROBLEM_CONTENT_TYPE };
    await checker.check("GET", "http://localhost/nowhere", answer(404, problem, headers));
    await expect(checker.check("GET", "http://localhost/nowhere", answer(200, {}, headers))).rejects.toThrow("no operation");
    await expect(checker.check("GET", "http://localhost/nowhere", answer(404, { title: "x" }, headers))).rejects.toThrow("body");
  });
});

describe.each(drivers)("every route and status on %s, checked against the document", (driver) => {
  const { database, app } = useTestApp(driver);

  test("each answer is a declared one (the app checks every answer; these reach each status)", async () => {
    const body = signupBody();
    const key = { "idempotency-key": Bun.randomUUIDv7() };
    const created = await app.handle(postSignup(body, key));
    expect(created.status).toBe(201);
    const { id } = await json(created);
    const statuses = [
      (await app.handle(postSignup(body, key))).status,
      (await app.handle(postSignup({ ...body, name: "Other" }, key))).status,
      (await app.handle(postSignup(body))).status,
      (await app.handle(postSignup("{"))).status,
      (await app.handle(postSignup(body, { "content-type": "text/plain" }))).status,
      (await app.handle(postSignup(signupBody({ name: "x".repeat(70_000) })))).status,
      (await app.handle(get(`/users/${id}`))).status,
      (await app.handle(get(`/users/${Bun.randomUUIDv7()}`))).status,
      (await app.handle(get("/users/not-a-uuid"))).status,
      (await app.handle(get("/health"))).status,
      (await app.handle(get("/ready"))).status,
      (await app.handle(get("/metrics"))).status,
      (await app.handle(new Request("http://localhost/health", { method: "DELETE" }))).status,
      (await app.handle(new Request("http://localhost/health", { method: "HEAD" }))).status,
    ];
    expect(statuses).toEqual([201, 422, 409, 400, 415, 413, 200, 404, 422, 200, 200, 200, 404, 200]);

    const limited = createTestApp(database.handle, { RATE_LIMIT_SIGNUP: "1" }).app;
    await limited.handle(postSignup(signupBody()));
    expect((await limited.handle(postSignup(signupBody()))).status).toBe(429);

    const starting = createTestApp(database.handle);
    starting.readiness.set("starting");
    expect((await starting.app.handle(postSignup(signupBody()))).status).toBe(503);
    expect((await starting.app.handle(get(`/users/${id}`))).status).toBe(503);
    expect((await starting.app.handle(get("/ready"))).status).toBe(503);
  });

  test("personal data is never cacheable, replays included; every answer says nosniff", async () => {
    const key = { "idempotency-key": Bun.randomUUIDv7() };
    const body = signupBody();
    const created = await app.handle(postSignup(body, key));
    const replay = await app.handle(postSignup(body, key));
    const duplicate = await app.handle(postSignup({ ...body }));
    const read = await app.handle(get(created.headers.get("location") ?? "/users/missing"));
    expect([created.status, replay.status, duplicate.status, read.status]).toEqual([201, 201, 409, 200]);
    for (const response of [created, replay, duplicate, read]) expect(response.headers.get("cache-control")).toBe("no-store");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    for (const response of [created, replay, duplicate, read, await app.handle(get("/health")), await app.handle(get("/nowhere"))]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });
});

/** A string of `length` characters that meets the field's other rules; emoji where the field allows them. */
const bodyFieldOfLength: Record<string, (length: number) => string> = {
  name: (length) => "😀".repeat(length),
  display_name: (length) => "😀".repeat(length),
  password: (length) => `Aa1${"😀".repeat(length - 3)}`,
  email: (length) => {
    // A 64-character local part, then labels of at most 63 characters: valid at any length it is asked for.
    const local = "a".repeat(64);
    const labels: string[] = [];
    let rest = length - local.length - 1;
    for (; rest > 63; rest -= 63) labels.push("b".repeat(62));
    labels.push("c".repeat(rest));
    return `${local}@${labels.join(".")}`;
  },
};

/** For each pattern and format the document states: a value that just meets it, and one just past it. */
const patternCases: Record<string, { accepted: string; refused: string }> = {
  "name \\S": { accepted: " a ", refused: "   " },
  "display_name \\S": { accepted: " a ", refused: "   " },
  "password ^(?=.*\\p{Lu})(?=.*\\p{Ll})(?=.*\\p{Nd})": { accepted: "Пароль-Секрет-7", refused: "пароль-секрет-7" },
  "email ^[^@]{1,64}@(?:[^.@]{1,63}\\.)*[^.@]{1,63}$": {
    accepted: `${"a".repeat(64)}@${"b".repeat(63)}.io`,
    refused: `${"a".repeat(65)}@example.com`,
  },
  "email format email": { accepted: "a@b.io", refused: "a@b" },
};
const labelPastLimit = `ana@${"b".repeat(64)}.io`;

describe.each(drivers)("boundaries from the document's own constraints on %s", (driver) => {
  const { app } = useTestApp(driver);
  const signupStatus = async (field: string, value: string) => (await app.handle(postSignup(signupBody({ [field]: value })))).status;

  test("every length limit of the body: at the limit accepted, one character past it refused", async () => {
    const document = await documentOf(app);
    const schema = document.paths["/signup"].post.requestBody.content["application/json"].schema;
    const limits = Object.entries(schema.properties as Record<string, Schema>).filter(
      ([, field]) => field.minLength !== undefined || field.maxLength !== undefined,
    );
    expect(limits.map(([field]) => field).sort()).toEqual(Object.keys(bodyFieldOfLength).sort());
    for (const [field, { minLength, maxLength }] of limits) {
      const ofLength = bodyFieldOfLength[field]!;
      for (const [length, expected] of [
        [minLength, 201],
        [minLength === undefined ? undefined : minLength - 1, 422],
        [maxLength, 201],
        [maxLength === undefined ? undefined : maxLength + 1, 422],
      ] as const) {
        if (length === undefined || length < 0) continue;
        const value = ofLength(length);
        expect([...value]).toHaveLength(length);
        expect({ field, length, status: await signupStatus(field, value) }).toEqual({ field, length, status: expected });
      }
    }
  });

  test("every pattern and format of the body: a value meeting it accepted, one past it refused", async () => {
    const document = await documentOf(app);
    const schema = document.paths["/signup"].post.requestBody.content["application/json"].schema;
    const rules = Object.entries(schema.properties as Record<string, Schema>).flatMap(([field, rule]) => [
      ...(rule.pattern ? [`${field} ${rule.pattern}`] : []),
      ...(rule.format ? [`${field} format ${rule.format}`] : []),
    ]);
    expect(rules.sort()).toEqual(Object.keys(patternCases).sort());
    for (const rule of rules) {
      const field = rule.split(" ", 1)[0]!;
      const { accepted, refused } = patternCases[rule]!;
      expect({ rule, status: await signupStatus(field, accepted) }).toEqual({ rule, status: 201 });
      expect({ rule, status: await signupStatus(field, refused) }).toEqual({ rule, status: 422 });
    }
    expect(await signupStatus("email", labelPastLimit)).toBe(422);
  });

  test("the Idempotency-Key header: its length and pattern limits, bare and quoted", async () => {
    const document = await documentOf(app);
    const parameter = document.paths["/signup"].post.parameters.find((p: { name: string }) => p.name === "Idempotency-Key");
    const { minLength, maxLength, pattern } = parameter.schema as Required<Schema>;
    const keyStatus = async (key: string) => (await app.handle(postSignup(signupBody(), { "idempotency-key": key }))).status;
    const bareMax = maxLength - 2;
    expect(await keyStatus("k".repeat(minLength))).toBe(201);
    expect(await keyStatus("")).toBe(400);
    expect(await keyStatus(`"${"q".repeat(bareMax)}"`)).toBe(201);
    expect(await keyStatus(`"${"q".repeat(bareMax + 1)}"`)).toBe(400);
    expect(await keyStatus("b".repeat(bareMax))).toBe(201);
    expect(await keyStatus("b".repeat(bareMax + 1))).toBe(400);
    for (const key of ["has space", 'a"b', '"open', "tab\tkey"]) {
      expect(new RegExp(pattern).test(key)).toBe(false);
      expect(await keyStatus(key)).toBe(400);
    }
  });

  test("lengths count characters: an 8-character emoji password is accepted, a 7-character one refused; 255 emoji in a name", async () => {
    expect(await signupStatus("password", "Aa1😀😀😀😀😀")).toBe(201);
    expect(await signupStatus("password", "Aa1😀😀😀😀")).toBe(422);
    expect(await signupStatus("name", "😀".repeat(255))).toBe(201);
    expect(await signupStatus("name", "😀".repeat(256))).toBe(422);
  });
});

test("README's error table and the document's problem responses name the same statuses", async () => {
  const readme = await Bun.file(new URL("../../README.md", import.meta.url)).text();
  const section = readme.slice(readme.indexOf("### Errors"), readme.indexOf("### Idempotency"));
  const documented = [...section.matchAll(/^\| (\d{3}) \|/gm)].map((match) => Number(match[1]));
  const database = await createTestDatabase("pglite");
  try {
    const document = await documentOf(createTestApp(database.handle).app);
    const declared = new Set<number>();
    type Operation = { responses: Record<string, { content?: Record<string, unknown> }> };
    for (const operations of Object.values(document.paths as Record<string, Record<string, Operation>>)) {
      for (const operation of Object.values(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (response.content?.[PROBLEM_CONTENT_TYPE]) declared.add(Number(status));
        }
      }
    }
    expect(documented.length).toBeGreaterThan(5);
    expect(documented).toEqual([...declared].sort());
  } finally {
    await database.drop();
  }
});
