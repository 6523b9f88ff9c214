import { expect, test } from "bun:test";
import { BASE, createTestApp, json, postSignup, signupBody } from "../support/app";
import { describeOnEachDriver } from "../support/databases";
import { rowCounts } from "../support/rows";
import { useTestApp } from "../support/suite";

const password = "S3guro!123";

interface BadRequest {
  name: string;
  request: () => Request;
  status: number;
  /** A field the problem must name. */
  field?: string;
}

const badRequests: BadRequest[] = [
  { name: "malformed JSON", request: () => postSignup('{"name": "Ana",'), status: 400 },
  { name: "invalid UTF-8", request: () => postSignup(new Uint8Array([0x7b, 0xff, 0x7d])), status: 400 },
  { name: "text/plain body", request: () => postSignup(JSON.stringify(signupBody()), { "content-type": "text/plain" }), status: 415 },
  { name: "form body", request: () => postSignup("name=Ana", { "content-type": "application/x-www-form-urlencoded" }), status: 415 },
  {
    name: "no content type",
    request: () => new Request(`${BASE}/signup`, { method: "POST", body: JSON.stringify(signupBody()) }),
    status: 415,
  },
  { name: "body over 64 KiB", request: () => postSignup(signupBody({ name: "x".repeat(70_000) })), status: 413 },
  { name: "empty object", request: () => postSignup({}), status: 422, field: "name" },
  { name: "array body", request: () => postSignup([signupBody()]), status: 422 },
  { name: "JSON null", request: () => postSignup("null"), status: 422 },
  { name: "missing password", request: () => postSignup({ ...signupBody(), password: undefined }), status: 422, field: "password" },
  { name: "number as name", request: () => postSignup(signupBody({ name: 42 })), status: 422, field: "name" },
  { name: "blank name", request: () => postSignup(signupBody({ name: "   " })), status: 422, field: "name" },
  { name: "name over 255", request: () => postSignup(signupBody({ name: "n".repeat(256) })), status: 422, field: "name" },
  { name: "NUL in name", request: () => postSignup(signupBody({ name: "A\u0000" })), status: 422, field: "name" },
  {
    name: "unpaired surrogate in display_name",
    request: () => postSignup(signupBody({ display_name: "\udfff" })),
    status: 422,
    field: "display_name",
  },
  { name: "empty display_name", request: () => postSignup(signupBody({ display_name: "" })), status: 422, field: "display_name" },
  {
    name: "display_name over 255",
    request: () => postSignup(signupBody({ display_name: "d".repeat(256) })),
    status: 422,
    field: "display_name",
  },
  { name: "email without @", request: () => postSignup(signupBody({ email: "ana.example.com" })), status: 422, field: "email" },
  {
    name: "email over 254",
    request: () => postSignup(signupBody({ email: `${"a".repeat(64)}@${"b".repeat(190)}.com` })),
    status: 422,
    field: "email",
  },
  { name: "password too short", request: () => postSignup(signupBody({ password: "S3g!" })), status: 422, field: "password" },
  {
    name: "password over 128",
    request: () => postSignup(signupBody({ password: `S3g${"x".repeat(126)}` })),
    status: 422,
    field: "password",
  },
  {
    name: "password without upper case",
    request: () => postSignup(signupBody({ password: "s3guro!123" })),
    status: 422,
    field: "password",
  },
  {
    name: "password without lower case",
    request: () => postSignup(signupBody({ password: "S3GURO!123" })),
    status: 422,
    field: "password",
  },
  { name: "password without digit", request: () => postSignup(signupBody({ password: "Seguro!abc" })), status: 422, field: "password" },
  { name: "bad Idempotency-Key", request: () => postSignup(signupBody(), { "idempotency-key": "has space" }), status: 400 },
];

describeOnEachDriver("bad input on %s", (driver) => {
  const { database, app } = useTestApp(driver);

  test.each(badRequests)("$name: $status problem, nothing stored", async ({ request, status, field }) => {
    const before = await rowCounts(database.handle);
    const response = await app.handle(request());
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const text = await response.text();
    const problem = JSON.parse(text) as { type: unknown; title: unknown; errors: Array<{ field: string }> };
    expect(problem).toMatchObject({ status, instance: "/signup" });
    expect(typeof problem.type).toBe("string");
    expect(typeof problem.title).toBe("string");
    if (field) expect(problem.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(text).not.toContain(password);
    expect(await rowCounts(database.handle)).toEqual(before);
  });

  test("a weak password names each rule it breaks and never echoes the password", async () => {
    const weak = "veleroazulmarea";
    const response = await app.handle(postSignup(signupBody({ password: weak })));
    const text = await response.text();
    expect(text).not.toContain(weak);
    const messages = (JSON.parse(text) as { errors: Array<{ field: string; message: string }> }).errors
      .filter((error: { field: string }) => error.field === "password")
      .map((error: { message: string }) => error.message);
    expect(messages).toEqual(["must contain an upper-case letter", "must contain a digit"]);
  });

  test("PASSWORD_MIN_LENGTH raises the minimum", async () => {
    const strict = createTestApp(database.handle, { PASSWORD_MIN_LENGTH: "12" }).app;
    const response = await strict.handle(postSignup(signupBody({ password: "Velero-Az-7" })));
    expect(response.status).toBe(422);
    expect((await json(response)).errors).toContainEqual({
      field: "password",
      rule: "min_length",
      message: "must be at least 12 characters",
    });
  });
});
