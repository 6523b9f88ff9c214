import { describe, expect, test } from "bun:test";
import createClient from "openapi-fetch";
import { OPENAPI_TYPES_FILE, openApiTypes } from "../../scripts/generate-openapi-types";
import { BASE, signupBody } from "../support/app";
import { drivers } from "../support/databases";
import type { paths } from "../support/openapi-types";
import { useTestApp } from "../support/suite";

test("the committed client types are the ones the served document generates (`bun run openapi:types`)", async () => {
  expect(await Bun.file(OPENAPI_TYPES_FILE).text()).toBe(await openApiTypes());
});

describe.each(drivers)("a client generated from the document, on %s", (driver) => {
  const { app } = useTestApp(driver);
  const client = createClient<paths>({ baseUrl: BASE, fetch: (request) => app.handle(request) });

  test("signs up and reads the user back, typed by the document", async () => {
    const { name, email, password, display_name } = signupBody();
    const created = await client.POST("/signup", {
      body: { name, email, password, display_name },
      params: { header: { "Idempotency-Key": Bun.randomUUIDv7() } },
    });
    expect(created.response.status).toBe(201);
    if (!created.data) throw new Error("a 201 has a user");
    const id: string = created.data.id;
    expect(created.response.headers.get("location")).toBe(`/users/${id}`);

    const read = await client.GET("/users/{id}", { params: { path: { id } } });
    expect(read.data).toEqual(created.data);

    const duplicate = await client.POST("/signup", { body: { name, email, password, display_name } });
    expect(duplicate.response.status).toBe(409);
    const status: number | undefined = duplicate.error?.status;
    expect(status).toBe(409);

    const health = await client.GET("/health");
    expect(health.data?.status).toBe("healthy");
  });
});
