import { describe, expect, test } from "bun:test";
import { ValidationError } from "elysia";
import { fieldErrors, serverFailureProblem } from "../../src/http/error-mapping";
import { ProblemError } from "../../src/http/problem";
import { signupBodySchema } from "../../src/users/model";

interface Issue {
  path: string;
  value: unknown;
  message: string;
  summary?: string;
}

/** The part of Elysia's ValidationError that fieldErrors reads. */
const validation = (...all: Issue[]) => ({ all }) as unknown as Pick<ValidationError, "all">;

describe("fieldErrors", () => {
  test("a password that is not a string gets the schema message, never the value", () => {
    const errors = fieldErrors(validation({ path: "/password", value: 12345678, message: "Expected string" }));
    expect(errors).toEqual([{ field: "password", message: "Expected string" }]);
    expect(JSON.stringify(errors)).not.toContain("12345678");
  });

  test("other fields use the summary, or the message without one", () => {
    const errors = fieldErrors(
      validation(
        { path: "/email", value: "nope", message: "Expected string to match 'email' format", summary: "Property 'email' should be email" },
        { path: "/name", value: "", message: "Expected string length greater or equal to 1" },
        { path: "/display_name", value: "", message: "Expected string", summary: "" },
      ),
    );
    expect(errors).toEqual([
      { field: "email", message: "Property 'email' should be email" },
      { field: "name", message: "Expected string length greater or equal to 1" },
      { field: "display_name", message: "Expected string" },
    ]);
  });

  test("nested paths are dotted and an empty path is the body", () => {
    const errors = fieldErrors(
      validation(
        { path: "/address/0/street", value: 1, message: "Expected string" },
        { path: "", value: null, message: "Expected object" },
      ),
    );
    expect(errors).toEqual([
      { field: "address.0.street", message: "Expected string" },
      { field: "body", message: "Expected object" },
    ]);
  });

  test("duplicates are removed, distinct messages kept", () => {
    const email = { path: "/email", value: "x", message: "m", summary: "Property 'email' should be email" };
    const errors = fieldErrors(
      validation(email, email, { path: "/email", value: "x", message: "Expected string length less or equal to 254" }),
    );
    expect(errors).toEqual([
      { field: "email", message: "Property 'email' should be email" },
      { field: "email", message: "Expected string length less or equal to 254" },
    ]);
  });

  test("with Elysia's own ValidationError for the signup schema", () => {
    const body = { name: "Ana", email: "nope", password: 12345678, display_name: "Ana G" };
    const rules = { minLength: 8, composition: true, blocklist: true };
    const errors = fieldErrors(new ValidationError("body", signupBodySchema(rules), body));
    expect(errors.some((error) => error.field === "email")).toBe(true);
    expect(errors.some((error) => error.field === "password")).toBe(true);
    expect(JSON.stringify(errors)).not.toContain("12345678");
  });
});

describe("serverFailureProblem", () => {
  test("a failure that carries its answer is answered with it", () => {
    const answer = new ProblemError(503, "overloaded", "Service Unavailable", "retry shortly", { "retry-after": "1" });
    const problem = serverFailureProblem(Object.assign(new Error("full"), { answer: () => answer }));
    expect(problem).toBe(answer);
  });

  test.each([
    ["a refused connection", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })],
    ["an admin shutdown in the cause", new Error("query failed", { cause: { code: "57P01" } })],
    ["a connection failure class 08", new Error("query failed", { cause: Object.assign(new Error("x"), { code: "08006" }) })],
  ])("%s is a 503 with retry-after", (_what, error) => {
    const problem = serverFailureProblem(error);
    expect(problem.status).toBe(503);
    expect(problem.headers["retry-after"]).toMatch(/^\d+$/);
  });

  test.each([
    ["a plain error", new Error("secret internal detail")],
    ["a unique violation", Object.assign(new Error("secret internal detail"), { code: "23505" })],
    ["a thrown string", "secret internal detail"],
    ["undefined", undefined],
  ])("%s is a 500 without retry-after or the error's text", (_what, error) => {
    const problem = serverFailureProblem(error);
    expect(problem.status).toBe(500);
    expect(problem.headers["retry-after"]).toBeUndefined();
    expect(JSON.stringify(problem.toProblem("/signup", "req-1"))).not.toContain("secret internal detail");
  });
});
