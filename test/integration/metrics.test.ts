import { describe, expect, test } from "bun:test";
import { createTestApp, get, postSignup, signupBody } from "../support/app";
import { useTestApp } from "../support/suite";

/** The value of one sample line of the Prometheus text format, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      (match[2] ?? "")
        .split(",")
        .filter(Boolean)
        .map((pair) => {
          const [key, value] = pair.split("=");
          return [key, value?.replace(/^"|"$/g, "")];
        }),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return 0;
}

describe("/metrics", () => {
  const { database, app } = useTestApp("pglite");

  const scrape = async () => {
    const response = await app.handle(get("/metrics"));
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    return response.text();
  };

  test("the seed's names, labelled by route template, with outcomes and hashing figures", async () => {
    const body = signupBody();
    const key = { "idempotency-key": `metrics-${Date.now()}` };
    const created = await app.handle(postSignup(body, key));
    const { id } = (await created.json()) as { id: string };
    await app.handle(postSignup(body, key));
    await app.handle(postSignup(body));
    await app.handle(postSignup({ ...body, password: "weak" }));
    await app.handle(get(`/users/${id}`));
    await app.handle(get("/users/01a216f1-00c9-710b-83b1-d21645ab6322"));
    await app.handle(get("/no/such/route"));

    const text = await scrape();
    expect(sample(text, "signup_requests_total", { status: "success" })).toBe(1);
    expect(sample(text, "signup_requests_total", { status: "replayed" })).toBe(1);
    expect(sample(text, "signup_requests_total", { status: "duplicate" })).toBe(1);
    expect(sample(text, "signup_requests_total", { status: "invalid" })).toBe(1);
    expect(sample(text, "signup_duplicates_total")).toBe(1);
    expect(sample(text, "idempotency_hits_total")).toBe(1);
    expect(sample(text, "idempotency_outcomes_total", { outcome: "claimed" })).toBe(1);
    expect(sample(text, "idempotency_outcomes_total", { outcome: "replayed" })).toBe(1);
    expect(sample(text, "password_hash_duration_seconds_count")).toBe(1);
    // The one hash found its slot free: its wait lands in a bucket of its own, not inside (0, 5 ms].
    expect(sample(text, "password_hash_wait_seconds_bucket", { le: "0.0025" })).toBe(1);
    expect(sample(text, "http_requests_total", { method: "POST", route: "/signup", status: "201" })).toBe(2);
    expect(sample(text, "http_requests_total", { method: "GET", route: "/users/:id", status: "200" })).toBe(1);
    expect(sample(text, "http_requests_total", { method: "GET", route: "/users/:id", status: "404" })).toBe(1);
    expect(sample(text, "http_requests_total", { method: "GET", route: "unmatched", status: "404" })).toBe(1);
    expect(sample(text, "http_request_duration_seconds_count", { route: "/signup", status: "422" })).toBe(1);
    expect(text).toContain('le="0.0005"');
    expect(text).toContain('le="10"');
    // No raw path ever becomes a label: ids and unknown paths stay out of the label space.
    expect(text).not.toContain(id);
    expect(text).not.toContain("/no/such/route");
    for (const name of ["password_hashes_in_flight", "password_hashes_queued", "database_pool_max_connections"]) {
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
    expect(sample(text, "log_lines_dropped_total")).toBe(0);
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("process_resident_memory_bytes");
  });

  test("a signup's recorded duration includes reading its body, which arrives before any other hook runs", async () => {
    // An app of its own, so that this is its only signup.
    const fresh = createTestApp(database.handle).app;
    const bodyDelayMs = 200;
    // The delay starts when the body is first read, not when the stream is made (no read-ahead:
    // highWaterMark 0), so time spent before the service reads it cannot shorten what it records.
    const slowBody = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          await Bun.sleep(bodyDelayMs);
          controller.enqueue(new TextEncoder().encode("{}"));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const request = new Request("http://localhost/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: slowBody,
    });
    const answer = await fresh.handle(request);
    expect(answer.status).toBe(422);
    expect(answer.headers.get("x-request-id")).toBeTruthy();
    const text = await (await fresh.handle(get("/metrics"))).text();
    expect(sample(text, "http_request_duration_seconds_count", { route: "/signup", status: "422" })).toBe(1);
    expect(sample(text, "http_request_duration_seconds_sum", { route: "/signup", status: "422" })).toBeGreaterThanOrEqual(
      (bodyDelayMs * 0.9) / 1000,
    );
  });

  test("an app has its own registry: a second app starts from zero", async () => {
    const other = createTestApp(database.handle).app;
    const text = await (await other.handle(get("/metrics"))).text();
    expect(sample(text, "signup_requests_total", { status: "success" })).toBe(0);
  });
});
