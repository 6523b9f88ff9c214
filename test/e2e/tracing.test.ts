import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { binaryInEmptyFolder, buildBinary, type RunningService, startService } from "../support/binary";
import { attributesOf, type ReceivedSpan, spanValues, startOtlpReceiver } from "../support/otlp-receiver";

/**
 * The compiled binary exporting to a real OTLP/HTTP receiver started here. What arrives is what
 * @opentelemetry/exporter-trace-otlp-http 0.200 sends: JSON, ids as hex strings, SpanKind + 1.
 */

/** OTLP JSON's SpanKind is the API's SpanKind + 1: SERVER (1) arrives as 2. */
const OTLP_SPAN_KIND_SERVER = 2;
const POLL_DEADLINE_MS = 10_000;
const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/** Every attribute, event and status value of a span, decoded. */
const allValues = (span: ReceivedSpan): string[] => spanValues(span).map((value) => value.text);

/** Polls until `done` holds for the spans received so far, or the deadline passes. */
async function waitForSpans(
  receiver: ReturnType<typeof startOtlpReceiver>,
  done: (spans: ReceivedSpan[]) => boolean,
  deadlineMs = POLL_DEADLINE_MS,
): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + deadlineMs;
  while (!done(receiver.spans())) {
    if (Date.now() > deadline) break;
    await Bun.sleep(100);
  }
  return receiver.spans();
}

const signupRequest = (url: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${url}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("tracing of the compiled binary over OTLP/HTTP", () => {
  let folder: ReturnType<typeof binaryInEmptyFolder>;
  let receiver: ReturnType<typeof startOtlpReceiver>;
  let service: RunningService;
  /** Every secret any test sent: none may appear in any export. */
  const secrets: { passwords: string[]; emails: string[] } = { passwords: [], emails: [] };
  /** Trace ids of the traceparents sent on traced routes; no span may belong to another trace. */
  const tracedTraceIds = new Set<string>();
  let stopped = false;

  beforeAll(async () => {
    await buildBinary();
    folder = binaryInEmptyFolder();
    receiver = startOtlpReceiver();
    service = await startService(folder.binary, {
      cwd: folder.dir,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
  }, 60_000);

  afterAll(async () => {
    if (service && !stopped) {
      service.process.kill("SIGKILL");
      await service.process.exited;
    }
    receiver?.server.stop(true);
    if (folder) rmSync(folder.dir, { recursive: true, force: true });
  });

  test("a keyed signup is one trace: the caller's trace id, a SERVER root, its steps and their db spans", async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    tracedTraceIds.add(traceId);
    const password = `Tr4ce-${hex(6)}-Pw!`;
    const email = `Trace.${hex(4)}@Example.COM`;
    secrets.passwords.push(password);
    secrets.emails.push(email);

    const response = await signupRequest(
      service.url,
      { name: "Trace", email, password, display_name: "Trace T" },
      { "idempotency-key": `trace-${hex(8)}`, traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(response.status).toBe(201);
    const user = (await response.json()) as { id: string };
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);

    const expectedNames = [
      "POST /signup",
      "validate",
      "idempotency.lookup",
      "idempotency.claim",
      "signup.duplicate_check",
      "password.hash",
      "signup.persist",
      "db idempotency_lookup",
      "db idempotency_claim",
      "db email_taken",
      "db insert_user_completing_key",
    ];
    const ofTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
    const received = await waitForSpans(receiver, (spans) => {
      const names = new Set(ofTrace(spans).map((span) => span.name));
      return expectedNames.every((name) => names.has(name));
    });
    expect(receiver.rejected).toEqual([]);
    expect(receiver.exports.length).toBeGreaterThan(0);
    // Anything but a POST to /v1/traces would be in `rejected`.
    for (const received of receiver.exports) expect(received.contentType).toStartWith("application/json");

    const spans = ofTrace(received);
    expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining(expectedNames));
    // Only this request has been traced so far (the readiness polls are untraced): every span is in its trace.
    expect(received.filter((span) => span.traceId !== traceId).map((span) => span.name)).toEqual([]);
    for (const span of spans) {
      expect(span.resource["service.name"]).toBe("signup-service");
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    }

    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const named = (name: string) => {
      const found = spans.filter((span) => span.name === name);
      expect(found.map((span) => span.name)).toEqual([name]);
      return found[0]!;
    };

    const root = named("POST /signup");
    expect(root.kind).toBe(OTLP_SPAN_KIND_SERVER);
    expect(root.parentSpanId).toBe(callerSpanId);
    expect(attributesOf(root.attributes)["http.route"]).toBe("/signup");

    // Every other span of the request hangs, through parents that were exported too, from the root.
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const chain: ReceivedSpan[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ""); parent; parent = byId.get(parent.parentSpanId ?? "")) {
        chain.push(parent);
        if (chain.length > spans.length) throw new Error(`parent cycle at ${span.name}`);
      }
      return chain;
    };
    for (const span of spans) {
      if (span === root) continue;
      expect({ span: span.name, reachesRoot: ancestors(span).includes(root) }).toEqual({ span: span.name, reachesRoot: true });
    }

    // The steps sit beneath the root, directly or through the plugin's lifecycle spans only: not inside one another.
    const steps = ["validate", "idempotency.lookup", "idempotency.claim", "signup.duplicate_check", "password.hash", "signup.persist"];
    const ours = new Set([...steps, ...expectedNames.filter((name) => name.startsWith("db "))]);
    for (const step of steps) {
      const chain = ancestors(named(step));
      const between = chain.slice(0, chain.indexOf(root)).map((span) => span.name);
      expect({ step, ownSpansBetweenItAndRoot: between.filter((name) => ours.has(name)) }).toEqual({
        step,
        ownSpansBetweenItAndRoot: [],
      });
    }

    // Each db span is a direct child of the step that issued it, and says what it is.
    const issuedBy: Record<string, [step: string, operation: string]> = {
      "db idempotency_lookup": ["idempotency.lookup", "SELECT"],
      "db idempotency_claim": ["idempotency.claim", "INSERT"],
      "db email_taken": ["signup.duplicate_check", "SELECT"],
      "db insert_user_completing_key": ["signup.persist", "INSERT"],
    };
    for (const [name, [step, operation]] of Object.entries(issuedBy)) {
      const db = named(name);
      expect({ name, parent: byId.get(db.parentSpanId ?? "")?.name }).toEqual({ name, parent: step });
      const attributes = attributesOf(db.attributes);
      expect(attributes["db.system"]).toBe("postgresql");
      expect(attributes["db.operation"]).toBe(operation);
    }
    for (const span of spans.filter((span) => span.name.startsWith("db "))) {
      expect(attributesOf(span.attributes)["db.system"]).toBe("postgresql");
      expect(attributesOf(span.attributes)["db.operation"]).toMatch(/^(SELECT|INSERT|UPDATE|DELETE)$/);
    }

    expect(attributesOf(named("signup.persist").attributes)["user.id"]).toBe(user.id);

    // Nothing secret in any attribute or event value, nor anywhere in what was exported.
    for (const span of spans) {
      for (const value of allValues(span)) {
        expect({ span: span.name, value, hasPassword: value.includes(password) }).toMatchObject({ hasPassword: false });
        expect({ span: span.name, value, hasEmail: value.toLowerCase().includes(email.toLowerCase()) }).toMatchObject({
          hasEmail: false,
        });
        expect({ span: span.name, value, hasHash: value.toLowerCase().includes("argon2") }).toMatchObject({ hasHash: false });
      }
    }
  }, 30_000);

  test("failing signups (duplicate, invalid body, reused key) export no password, email or hash", async () => {
    const traces = { first: hex(16), duplicate: hex(16), invalid: hex(16), reused: hex(16) };
    for (const id of Object.values(traces)) tracedTraceIds.add(id);
    const traceparent = (traceId: string) => `00-${traceId}-${hex(8)}-01`;
    const password = `Dup-${hex(6)}-Pw9`;
    const email = `dup.${hex(4)}@example.com`;
    const invalidPassword = `Inv-${hex(6)}-Pw9`;
    const reusedPassword = `Reu-${hex(6)}-Pw9`;
    secrets.passwords.push(password, invalidPassword, reusedPassword);
    secrets.emails.push(email);
    const body = { name: "Dup", email, password, display_name: "Dup D" };
    const key = `dup-${hex(8)}`;

    const first = await signupRequest(service.url, body, { "idempotency-key": key, traceparent: traceparent(traces.first) });
    expect(first.status).toBe(201);
    const duplicate = await signupRequest(
      service.url,
      { ...body, email: email.toUpperCase() },
      { traceparent: traceparent(traces.duplicate) },
    );
    expect(duplicate.status).toBe(409);
    const invalid = await signupRequest(
      service.url,
      { name: "Inv", email: `not-an-email-${email}`, password: invalidPassword, display_name: "" },
      { traceparent: traceparent(traces.invalid) },
    );
    expect(invalid.status).toBe(422);
    const reused = await signupRequest(
      service.url,
      { ...body, password: reusedPassword },
      { "idempotency-key": key, traceparent: traceparent(traces.reused) },
    );
    expect(reused.status).toBe(422);

    const wanted = Object.values(traces);
    const received = await waitForSpans(receiver, (spans) =>
      wanted.every((traceId) => spans.some((span) => span.traceId === traceId && span.name === "POST /signup")),
    );
    for (const traceId of wanted) {
      const roots = received.filter((span) => span.traceId === traceId && span.name === "POST /signup");
      expect({ traceId, roots: roots.length }).toEqual({ traceId, roots: 1 });
    }
    const duplicateSpans = received.filter((span) => span.traceId === traces.duplicate).map((span) => span.name);
    expect(duplicateSpans).toEqual(expect.arrayContaining(["signup.duplicate_check", "db email_taken"]));
    expect(duplicateSpans).not.toContain("password.hash");

    for (const span of received.filter((span) => wanted.includes(span.traceId))) {
      for (const value of allValues(span)) {
        const lower = value.toLowerCase();
        expect({
          span: span.name,
          value,
          leaks: [
            ...[password, invalidPassword, reusedPassword].filter((secret) => value.includes(secret)),
            ...(lower.includes(email.toLowerCase()) ? [email] : []),
            ...(lower.includes("argon2") ? ["argon2"] : []),
          ],
        }).toMatchObject({ leaks: [] });
      }
    }
  }, 30_000);

  test("/health, /ready and /metrics make no spans; SIGTERM flushes what is buffered; no export holds a secret", async () => {
    const probeTraceId = hex(16);
    for (const path of ["/health", "/ready", "/metrics"]) {
      const response = await fetch(`${service.url}${path}`, { headers: { traceparent: `00-${probeTraceId}-${hex(8)}-01` } });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
    // One more traced request right before SIGTERM: its spans must leave with the shutdown flush.
    const lastTraceId = hex(16);
    tracedTraceIds.add(lastTraceId);
    const last = await fetch(`${service.url}/users/${crypto.randomUUID()}`, {
      headers: { traceparent: `00-${lastTraceId}-${hex(8)}-01` },
    });
    expect(last.status).toBe(404);

    const exitCode = await Promise.race([service.stop("SIGTERM"), Bun.sleep(15_000).then(() => "timeout" as const)]);
    stopped = exitCode !== "timeout";
    expect(exitCode).toBe(0);

    const spans = receiver.spans();
    expect(spans.some((span) => span.traceId === lastTraceId && span.name === "GET /users/:id")).toBe(true);
    expect(spans.filter((span) => span.traceId === probeTraceId).map((span) => span.name)).toEqual([]);
    const probeRoutes = ["/health", "/ready", "/metrics"];
    expect(
      spans
        .filter((span) =>
          probeRoutes.some((route) => span.name.endsWith(` ${route}`) || attributesOf(span.attributes)["http.route"] === route),
        )
        .map((span) => span.name),
    ).toEqual([]);
    // Every span belongs to a request a test traced: none from the readiness polls or the probes.
    expect([...new Set(spans.map((span) => span.traceId))].filter((traceId) => !tracedTraceIds.has(traceId))).toEqual([]);
    expect(receiver.rejected).toEqual([]);

    // The raw exports, byte for byte, hold no password, email (any case) or hash.
    expect(secrets.passwords.length).toBeGreaterThan(0);
    for (const { text } of receiver.exports) {
      const lower = text.toLowerCase();
      expect(secrets.passwords.filter((password) => text.includes(password))).toEqual([]);
      expect(secrets.emails.filter((email) => lower.includes(email.toLowerCase()))).toEqual([]);
      expect(lower.includes("argon2")).toBe(false);
    }
  }, 30_000);
});
