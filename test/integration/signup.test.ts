import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../../src/db/schema";
import { BASE, createTestApp, get, json, postSignup, signupBody } from "../support/app";
import { describeOnEachDriver } from "../support/databases";
import { rowCounts } from "../support/rows";
import { useTestApp } from "../support/suite";

describeOnEachDriver("signup and read model on %s", (driver) => {
  const { database, app } = useTestApp(driver);

  test("201 with the user, a Location, and the user readable at once", async () => {
    const body = signupBody();
    const response = await app.handle(postSignup(body));
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toStartWith("application/json");
    const user = await json(response);
    expect(Object.keys(user).sort()).toEqual(["created_at", "display_name", "email", "id", "name"]);
    expect(user).toMatchObject({ name: body.name, email: body.email, display_name: body.display_name });
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Date(user.created_at).toISOString()).toBe(user.created_at);
    expect(response.headers.get("location")).toBe(`/users/${user.id}`);

    const read = await app.handle(get(`/users/${user.id}`));
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual(user);
  });

  test("stores an argon2id hash, never the password; the read model has no hash column", async () => {
    const body = signupBody();
    const user = await json(await app.handle(postSignup(body)));
    const [row] = await database.handle.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toStartWith("$argon2id$v=19$m=19456,t=2");
    expect(row!.passwordHash).not.toContain(body.password);
    expect(await Bun.password.verify(body.password, row!.passwordHash)).toBe(true);
    expect(row!.emailNormalized).toBe(body.email.toLowerCase());
    const readColumns = Object.keys(await json(await app.handle(get(`/users/${user.id}`))));
    expect(readColumns.some((column) => column.includes("password"))).toBe(false);
  });

  test("a duplicate email, in any case and with spaces, is 409 and stores nothing", async () => {
    const body = signupBody();
    expect((await app.handle(postSignup(body))).status).toBe(201);
    const before = await rowCounts(database.handle);
    const shouted = body.email.toUpperCase();
    const response = await app.handle(postSignup({ ...body, email: shouted }));
    expect(response.status).toBe(409);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = await json(response);
    expect(problem).toMatchObject({ status: 409, title: "Email already registered", instance: "/signup" });
    expect(problem.detail).toBe(`User with email ${shouted} already exists`);
    expect(await rowCounts(database.handle)).toEqual(before);
  });

  test("bcrypt is selectable by configuration", async () => {
    const bcryptApp = createTestApp(database.handle, { PASSWORD_HASH_ALGORITHM: "bcrypt", BCRYPT_COST: "4" }).app;
    const user = await json(await bcryptApp.handle(postSignup(signupBody())));
    const [row] = await database.handle.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toStartWith("$2b$04$");
  });

  test("GET an unknown id is 404, a malformed id 422, both problem+json", async () => {
    const missing = await app.handle(get("/users/01a216ea-8d74-75a5-a15b-b5d5037c88f6"));
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    for (const id of ["not-a-uuid", "urn:uuid:01a216ea-8d74-75a5-a15b-b5d5037c88f6", "1", "%00", "'%20or%201=1"]) {
      const malformed = await app.handle(get(`/users/${id}`));
      expect(malformed.status).toBe(422);
      expect(malformed.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  test("/health answers in the seed's shape", async () => {
    const response = await app.handle(get("/health"));
    expect(response.status).toBe(200);
    const health = await json(response);
    expect(health).toMatchObject({ status: "healthy", service: "signup-service" });
    expect(typeof health.uptime_seconds).toBe("number");
    expect(Number.isNaN(Date.parse(health.timestamp))).toBe(false);
  });

  test("an unknown route is a 404 problem with the request ids", async () => {
    const response = await app.handle(new Request(`${BASE}/nowhere`, { method: "DELETE", headers: { "x-request-id": "req-1" } }));
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(await json(response)).toMatchObject({ status: 404, instance: "/nowhere", request_id: "req-1" });
  });
});
