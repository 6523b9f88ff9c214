import { describe, expect, test } from "bun:test";
import { get, json } from "../support/app";
import { useTestApp } from "../support/suite";

describe("/docs", () => {
  const { app } = useTestApp("pglite");

  test("the OpenAPI document describes every route, the headers and every problem response", async () => {
    const response = await app.handle(get("/docs/json"));
    expect(response.status).toBe(200);
    const document = await json(response);
    expect(document.openapi).toStartWith("3.");
    expect(Object.keys(document.paths).sort()).toEqual(["/health", "/metrics", "/ready", "/signup", "/users/{id}"]);

    const signup = document.paths["/signup"].post;
    const headers = signup.parameters.filter((p: { in: string }) => p.in === "header").map((p: { name: string }) => p.name);
    expect(headers).toEqual(expect.arrayContaining(["Idempotency-Key", "X-Request-Id", "X-Correlation-Id"]));
    expect(Object.keys(signup.requestBody.content["application/json"].schema.properties).sort()).toEqual([
      "display_name",
      "email",
      "name",
      "password",
    ]);
    expect(signup.requestBody.content["application/json"].example).toMatchObject({ email: "ana@example.com" });
    expect(Object.keys(signup.responses).sort()).toEqual(["201", "400", "409", "413", "415", "422", "429", "500", "503"]);
    expect(Object.keys(signup.responses["201"].headers)).toEqual(
      expect.arrayContaining(["Location", "Idempotent-Replayed", "X-Idempotency-Hit", "X-Request-Id"]),
    );
    expect(Object.keys(signup.responses["409"].headers)).toContain("Retry-After");
    expect(signup.responses["409"].content).toHaveProperty(["application/problem+json"]);

    const getUser = document.paths["/users/{id}"].get;
    expect(Object.keys(getUser.responses).sort()).toEqual(["200", "404", "422", "500", "503"]);
    for (const probe of ["/health", "/ready", "/metrics"]) expect(document.paths[probe].get.responses).toHaveProperty("200");
    expect(Object.keys(document.paths["/ready"].get.responses)).toContain("503");
    expect(document.servers).toEqual([{ url: "/", description: "This service" }]);
    expect(document.security).toEqual([]);
    expect(document.components.schemas.Problem.properties.status).toMatchObject({ type: "integer" });
    expect(document.components.schemas.Problem.properties.status.anyOf).toBeUndefined();
    const idempotencyKey = signup.parameters.find((p: { name: string }) => p.name === "Idempotency-Key");
    expect(idempotencyKey.schema.pattern).toBeTruthy();
    const text = JSON.stringify(document);
    expect(text).not.toContain("/docs/assets");
  });

  test("the UI page loads its script and styles from this service, not a CDN", async () => {
    const page = await (await app.handle(get("/docs"))).text();
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources.length).toBeGreaterThanOrEqual(2);
    for (const source of sources) expect(source).toStartWith("/docs/assets/");
    expect(page).toContain('"url":"/docs/json"');
    for (const source of sources) {
      const asset = await app.handle(get(source!));
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
  });
});
