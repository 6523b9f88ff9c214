import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { count } from "drizzle-orm";
import pino from "pino";
import { buildApp } from "../../src/app";
import { outboxEvents } from "../../src/db/schema";
import { createNatsPublisher } from "../../src/events/nats-publisher";
import { prepareOutboxStatements } from "../../src/events/outbox-statements";
import { noAccessLog } from "../../src/observability/access-log";
import { tracerSpans, withoutSpans } from "../../src/observability/spans";
import { withoutTracing } from "../../src/observability/tracing";
import { createTestApp, get, json, postSignup, signupBody, testConfig } from "../support/app";
import { createTestDatabase, drivers, postgresUrl, type TestDatabase } from "../support/databases";
import { deleteStream, eventually, natsUrl, ownNatsServer, readStream, streamMessageCount, testStream } from "../support/nats";

// Waits on NATS and on the relay's poll and backoff; generous, as the shared machine can be slow.
setDefaultTimeout(20_000);

const USER_FIELDS = ["created_at", "display_name", "email", "id", "name"];

async function outboxRows(database: TestDatabase) {
  const [row] = await database.handle.db.select({ n: count() }).from(outboxEvents);
  return row!.n;
}

describe.skipIf(!natsUrl).each(drivers)("events on %s", (driver) => {
  const names = testStream();
  let database: TestDatabase;
  let built: ReturnType<typeof createTestApp>;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    built = createTestApp(database.handle, { NATS_URL: natsUrl!, ...names });
    built.relay!.start();
  });
  afterAll(async () => {
    await built.relay?.stop();
    await database.drop();
    await deleteStream(natsUrl!, names.EVENTS_STREAM);
  });

  test("each new user is published once as a CloudEvent whose data is the user as GET shows it", async () => {
    const before = await streamMessageCount(natsUrl!, names.EVENTS_STREAM);
    const created = await Promise.all([1, 2, 3].map(async () => json(await built.app.handle(postSignup(signupBody())))));
    await eventually("three messages", async () => (await streamMessageCount(natsUrl!, names.EVENTS_STREAM)) === before + 3);
    const stored = (await readStream(natsUrl!, names.EVENTS_STREAM)).slice(before);
    for (const user of created) {
      const message = stored.find((m) => m.event.subject === user.id);
      expect(message).toBeDefined();
      const { event } = message!;
      expect(message!.msgId).toBe(event.id);
      expect(message!.contentType).toBe("application/cloudevents+json");
      expect(message!.subject).toBe(names.EVENTS_SUBJECT);
      expect(event).toEqual({
        specversion: "1.0",
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        source: "signup-service",
        type: "signup.user.created",
        subject: user.id,
        time: user.created_at,
        datacontenttype: "application/json",
        data: user,
      });
      expect(Object.keys(event.data).sort()).toEqual(USER_FIELDS);
      expect(event.data).toEqual(await json(await built.app.handle(get(`/users/${user.id}`))));
      expect(JSON.stringify(event)).not.toMatch(/password|argon2|\$2[aby]\$/i);
    }
    expect(new Set(stored.map((m) => m.event.id)).size).toBe(stored.length);
  });

  test("a replayed signup and a duplicate email publish nothing more", async () => {
    const body = signupBody();
    const key = { "idempotency-key": Bun.randomUUIDv7() };
    expect((await built.app.handle(postSignup(body, key))).status).toBe(201);
    await eventually("the first signup's event", async () => (await outboxRows(database)) > 0 && (await pendingCount()) === 0);
    const messages = await streamMessageCount(natsUrl!, names.EVENTS_STREAM);
    const rows = await outboxRows(database);
    const replay = await built.app.handle(postSignup(body, key));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await built.app.handle(postSignup({ ...body, name: "Other" }))).status).toBe(409);
    await Bun.sleep(300);
    expect(await outboxRows(database)).toBe(rows);
    expect(await streamMessageCount(natsUrl!, names.EVENTS_STREAM)).toBe(messages);
  });

  test("/ready shows the relay publishing and the metrics count what it did", async () => {
    const ready = await json(await built.app.handle(get("/ready")));
    expect(ready.status).toBe("ready");
    expect(ready.checks.events).toMatchObject({ status: "healthy", state: "publishing", consecutive_failures: 0 });
    const metrics = await (await built.app.handle(get("/metrics"))).text();
    expect(metrics).toMatch(/^outbox_events_published_total\{duplicate="false"\} [1-9]/m);
    expect(metrics).toMatch(/^outbox_relay_batches_total\{outcome="published"\} [1-9]/m);
    expect(metrics).toMatch(/^outbox_events_pending 0$/m);
    expect(metrics).toMatch(/^outbox_oldest_pending_age_seconds 0$/m);
    expect(metrics).toContain("outbox_publish_failures_total 0");
  });

  async function pendingCount() {
    const rows = await database.handle.db.select({ id: outboxEvents.id, sentAt: outboxEvents.sentAt }).from(outboxEvents);
    return rows.filter((row) => row.sentAt === null).length;
  }
});

describe.skipIf(!natsUrl).each(drivers)("a traced signup on %s", (driver) => {
  const names = testStream();
  let database: TestDatabase;
  let relay: ReturnType<typeof buildApp>["relay"];
  let app: ReturnType<typeof buildApp>["app"];
  const exported = new InMemorySpanExporter();

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exported)] }).getTracer("events-test");
    ({ app, relay } = buildApp({
      config: testConfig({ NATS_URL: natsUrl!, ...names }),
      database: database.handle,
      logger: pino({ level: "silent" }),
      accessLog: noAccessLog,
      tracing: { ...withoutTracing, spans: tracerSpans(tracer) },
    }));
    relay!.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await database.drop();
    await deleteStream(natsUrl!, names.EVENTS_STREAM);
  });

  test("carries the W3C traceparent of the signup's persist span, so a consumer joins its trace", async () => {
    const user = await json(await app.handle(postSignup(signupBody())));
    await eventually("the event", async () => (await streamMessageCount(natsUrl!, names.EVENTS_STREAM)) === 1);
    const [message] = await readStream(natsUrl!, names.EVENTS_STREAM);
    expect(message!.event.subject).toBe(user.id);
    const persist = exported.getFinishedSpans().find((span) => span.name === "signup.persist" && span.attributes["user.id"] === user.id);
    expect(persist).toBeDefined();
    const { traceId, spanId } = persist!.spanContext();
    expect(message!.event.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    // The batch's span ends after the event is marked sent, which can come after a reader sees it in the stream.
    await eventually(
      "the relay batch's span",
      async () => exported.getFinishedSpans().some((span) => span.name === "outbox.relay_batch"),
      5_000,
    );
  });
});

describe.each(drivers)("without NATS_URL on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
  });
  afterAll(() => database.drop());

  test("no event is written, so nothing accumulates, and /ready shows no relay", async () => {
    const built = createTestApp(database.handle);
    expect(built.relay).toBeUndefined();
    expect((await built.app.handle(postSignup(signupBody()))).status).toBe(201);
    expect((await built.app.handle(postSignup(signupBody(), { "idempotency-key": Bun.randomUUIDv7() }))).status).toBe(201);
    expect(await outboxRows(database)).toBe(0);
    expect((await json(await built.app.handle(get("/ready")))).checks.events).toBeUndefined();
  });
});

describe.skipIf(!natsUrl).each(drivers)("NATS stopped and restarted while signups continue, on %s", (driver) => {
  const names = testStream();
  const nats = ownNatsServer();
  let database: TestDatabase;
  let built: ReturnType<typeof createTestApp>;

  beforeAll(async () => {
    await nats.start();
    database = await createTestDatabase(driver);
    built = createTestApp(database.handle, { NATS_URL: nats.url, ...names, EVENTS_POLL_INTERVAL: "200ms", EVENTS_CLAIM_LEASE: "3s" });
    built.relay!.start();
  });
  afterAll(async () => {
    await built.relay?.stop();
    await database.drop();
    await nats.remove();
  });

  test("signups answer 201 throughout; every event arrives once NATS is back; /ready stays 200", async () => {
    const ids: string[] = [];
    const signup = async () => {
      const response = await built.app.handle(postSignup(signupBody()));
      expect(response.status).toBe(201);
      ids.push((await json(response)).id);
    };
    for (let i = 0; i < 5; i++) await signup();
    await eventually("the first events", async () => (await streamMessageCount(nats.url, names.EVENTS_STREAM)) === 5);

    await nats.stop();
    for (let i = 0; i < 10; i++) await signup();
    await eventually(
      "the relay to notice",
      async () => (await json(await built.app.handle(get("/ready")))).checks.events.status === "degraded",
    );
    const ready = await built.app.handle(get("/ready"));
    expect(ready.status).toBe(200);
    expect((await json(ready)).checks.events.state).toBe("nats_unavailable");
    const metrics = await (await built.app.handle(get("/metrics"))).text();
    expect(metrics).toMatch(/^outbox_events_pending 10$/m);
    expect(metrics).toMatch(/^outbox_oldest_pending_age_seconds [0-9.]*[1-9]/m);

    await nats.start();
    for (let i = 0; i < 5; i++) await signup();
    await eventually("every event", async () => (await streamMessageCount(nats.url, names.EVENTS_STREAM)) >= 20, 20_000);
    const stored = await readStream(nats.url, names.EVENTS_STREAM);
    expect(stored.map((m) => m.event.subject).sort()).toEqual([...ids].sort());
    expect(new Set(stored.map((m) => m.msgId)).size).toBe(20);
    expect((await json(await built.app.handle(get("/ready")))).checks.events.state).toBe("publishing");
  }, 40_000);
});

describe.skipIf(!natsUrl || !postgresUrl)("two relays on one PostgreSQL database", () => {
  const names = testStream();
  let database: TestDatabase;
  let first: ReturnType<typeof createTestApp>;
  let second: ReturnType<typeof createTestApp>;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const settings = { NATS_URL: natsUrl!, ...names, EVENTS_BATCH_SIZE: "7", EVENTS_POLL_INTERVAL: "50ms" };
    first = createTestApp(database.handle, settings);
    second = createTestApp(database.handle, settings);
    first.relay!.start();
    second.relay!.start();
  });
  afterAll(async () => {
    await first.relay?.stop();
    await second.relay?.stop();
    await database.drop();
    await deleteStream(natsUrl!, names.EVENTS_STREAM);
  });

  test("publish every event exactly once between them", async () => {
    const ids = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => json(await (i % 2 ? first : second).app.handle(postSignup(signupBody())))),
    ).then((users) => users.map((user) => user.id as string));
    await eventually("60 messages", async () => (await streamMessageCount(natsUrl!, names.EVENTS_STREAM)) >= 60);
    await Bun.sleep(500);
    const stored = await readStream(natsUrl!, names.EVENTS_STREAM);
    expect(stored.length).toBe(60);
    expect(stored.map((m) => m.event.subject).sort()).toEqual(ids.sort());
    const published = async (app: typeof first) => {
      const text = await (await app.app.handle(get("/metrics"))).text();
      return [...text.matchAll(/^outbox_events_published_total\{duplicate="(?:true|false)"\} (\d+)/gm)].reduce(
        (total, match) => total + Number(match[1]),
        0,
      );
    };
    // Both relays took part, and together they published each event once: not even a duplicate
    // the stream dropped (a claim taken twice would show as one).
    const [byFirst, bySecond] = [await published(first), await published(second)];
    expect(byFirst).toBeGreaterThan(0);
    expect(bySecond).toBeGreaterThan(0);
    expect(byFirst + bySecond).toBe(60);
  }, 30_000);
});

describe.skipIf(!natsUrl).each(drivers)("retention on %s", (driver) => {
  const names = testStream();
  let database: TestDatabase;
  let built: ReturnType<typeof createTestApp>;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
    built = createTestApp(database.handle, { NATS_URL: natsUrl!, ...names, EVENTS_RETENTION: "300ms", EVENTS_POLL_INTERVAL: "100ms" });
    built.relay!.start();
  });
  afterAll(async () => {
    await built.relay?.stop();
    await database.drop();
    await deleteStream(natsUrl!, names.EVENTS_STREAM);
  });

  test("sent events are pruned from the outbox after the retention period", async () => {
    expect((await built.app.handle(postSignup(signupBody()))).status).toBe(201);
    await eventually("the message", async () => (await streamMessageCount(natsUrl!, names.EVENTS_STREAM)) === 1);
    await eventually("the outbox to be pruned", async () => (await outboxRows(database)) === 0, 10_000);
    expect(await (await built.app.handle(get("/metrics"))).text()).toMatch(/^outbox_events_pruned_total 1$/m);
  });
});

describe.skipIf(!natsUrl).each(drivers)("a relay that dies between the acknowledgement and the mark, on %s", (driver) => {
  const names = testStream();
  let database: TestDatabase;
  let built: ReturnType<typeof createTestApp>;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
    built = createTestApp(database.handle, { NATS_URL: natsUrl!, ...names, EVENTS_CLAIM_LEASE: "1s", EVENTS_POLL_INTERVAL: "100ms" });
  });
  afterAll(async () => {
    await built.relay?.stop();
    await database.drop();
    await deleteStream(natsUrl!, names.EVENTS_STREAM);
  });

  test("its claim expires, the event is published again, and the stream keeps one copy", async () => {
    const user = await json(await built.app.handle(postSignup(signupBody())));
    // The dying relay: claims and publishes, and is gone before it marks the event sent.
    const statements = prepareOutboxStatements(database.handle.db, { spans: withoutSpans, timeoutMs: 5000 });
    const publisher = createNatsPublisher({
      url: natsUrl!,
      stream: names.EVENTS_STREAM,
      subject: names.EVENTS_SUBJECT,
      duplicateWindowMs: 120_000,
      timeoutMs: 2000,
      logger: pino({ level: "silent" }),
    });
    await publisher.ready();
    const claimed = await statements.claim.execute({ leaseMs: 1000, claimToken: Bun.randomUUIDv7(), limit: 10 });
    expect(claimed.length).toBe(1);
    expect((await publisher.publish(claimed[0]!.id, claimed[0]!.payload)).duplicate).toBe(false);
    await publisher.close();

    built.relay!.start();
    await eventually("the event marked sent by the other relay", async () => {
      const [row] = await database.handle.db.select({ sentAt: outboxEvents.sentAt }).from(outboxEvents);
      return row?.sentAt !== null;
    });
    const metrics = await (await built.app.handle(get("/metrics"))).text();
    expect(metrics).toMatch(/^outbox_events_published_total\{duplicate="true"\} 1$/m);
    const stored = await readStream(natsUrl!, names.EVENTS_STREAM);
    expect(stored.map((m) => m.event.subject)).toEqual([user.id]);
  });
});
