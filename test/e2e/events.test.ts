import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import postgres from "postgres";
import { type RunningService, startService } from "../support/binary";
import { postgresUrl } from "../support/databases";
import { deleteStream, eventually, natsUrl, ownNatsServer, readStream, streamMessageCount, testStream } from "../support/nats";
import { attributesOf, startOtlpReceiver } from "../support/otlp-receiver";
import { useBinaryInEmptyFolder, useEmptyPostgresDatabase } from "../support/suite";

// Starts copies of the binary, kills them with SIGKILL, and restarts a NATS server of its own.
setDefaultTimeout(90_000);

const run = Bun.randomUUIDv7().slice(-8);

/** Settings that keep these runs short: cheap hashes, short leases (a killed copy's claims and keys come back fast). */
const FAST = {
  PASSWORD_HASH_ALGORITHM: "bcrypt",
  BCRYPT_COST: "4",
  IDEMPOTENCY_LEASE: "2s",
  EVENTS_CLAIM_LEASE: "2s",
  EVENTS_POLL_INTERVAL: "200ms",
  EVENTS_BATCH_SIZE: "10",
};

const body = (tag: string, i: number) =>
  JSON.stringify({
    name: `Event ${i}`,
    email: `${tag}.${run}.${i}@example.com`,
    password: `S3guro!${i}x`,
    display_name: `Event ${tag} ${i}`,
  });

/**
 * Sends every keyed signup until it is a 201, to whichever copy is up (`targets()` may change
 * while it runs): a refused connection, a 5xx or a 409 in progress is retried with the same key.
 */
async function signUpAll(tag: string, total: number, targets: () => string[], onCreated: (done: number) => Promise<void> | void) {
  let next = 0;
  let done = 0;
  const keys = Array.from({ length: total }, (_, i) => `${tag}-${run}-${i}`);
  const deadline = Date.now() + 60_000;
  async function worker() {
    while (next < total) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        if (Date.now() > deadline) throw new Error(`signup ${i} not created in time`);
        const urls = targets();
        const url = urls[(i + attempt) % urls.length]!;
        const response = await fetch(`${url}/signup`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": keys[i]! },
          body: body(tag, i),
          signal: AbortSignal.timeout(5000),
        }).catch(() => undefined);
        if (response?.status === 201) break;
        await response?.arrayBuffer();
        await Bun.sleep(response?.status === 409 ? 300 : 50);
      }
      done++;
      await onCreated(done);
    }
  }
  await Promise.all(Array.from({ length: 12 }, worker));
}

async function readModel(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string; name: string; email: string; display_name: string; created_at: Date }[]>`
      select id::text, name, email, display_name, created_at from users_read`;
    const [pending] = await sql<{ n: number }[]>`select count(*)::int as n from outbox_events where sent_at is null`;
    return { users: rows.map((row) => ({ ...row, created_at: row.created_at.toISOString() })), pending: pending!.n };
  } finally {
    await sql.end();
  }
}

/** Exactly one valid CloudEvent per user in the stream, whose data is the user's read-model row. */
async function expectOneEventPerUser(nats: string, stream: string, databaseUrl: string, expectedUsers: number) {
  const { users } = await readModel(databaseUrl);
  expect(users.length).toBe(expectedUsers);
  await eventually(`${expectedUsers} messages`, async () => (await streamMessageCount(nats, stream)) >= expectedUsers, 30_000);
  await eventually("an empty outbox", async () => (await readModel(databaseUrl)).pending === 0, 30_000);
  // Give a late duplicate the time to show up, were there one.
  await Bun.sleep(1000);
  const stored = await readStream(nats, stream);
  expect(stored.length).toBe(expectedUsers);
  expect(new Set(stored.map((m) => m.msgId)).size).toBe(expectedUsers);
  expect(new Set(stored.map((m) => m.event.id)).size).toBe(expectedUsers);
  const byId = new Map(users.map((user) => [user.id, user]));
  for (const { event, msgId, contentType } of stored) {
    expect(msgId).toBe(event.id);
    expect(contentType).toBe("application/cloudevents+json");
    expect(event).toMatchObject({
      specversion: "1.0",
      source: "signup-service",
      type: "signup.user.created",
      datacontenttype: "application/json",
    });
    const user = byId.get(event.subject);
    expect(user).toBeDefined();
    expect(event.data).toEqual(user!);
    expect(event.time).toBe(user!.created_at);
    byId.delete(event.subject);
  }
  expect(byId.size).toBe(0);
}

describe.skipIf(!postgresUrl || !natsUrl)("events from the binary: kill -9 mid-batch", () => {
  const folder = useBinaryInEmptyFolder();
  const database = useEmptyPostgresDatabase();
  const names = testStream();
  let service: RunningService | undefined;

  afterAll(async () => {
    service?.process.kill("SIGKILL");
    await deleteStream(natsUrl!, names.EVENTS_STREAM);
  });

  test("then a restart: every user has exactly one message in the stream", async () => {
    const env = { DATABASE_URL: database.url, NATS_URL: natsUrl!, ...names, ...FAST };
    service = await startService(folder.binary, { cwd: folder.dir, env });
    let up = [service.url];
    let killed = false;
    await signUpAll(
      "kill",
      120,
      () => up,
      async (done) => {
        if (done === 40 && !killed) {
          killed = true;
          service!.process.kill("SIGKILL");
          await service!.process.exited;
          up = [];
          service = await startService(folder.binary, { cwd: folder.dir, env });
          up = [service.url];
        }
      },
    );
    expect(killed).toBe(true);
    await expectOneEventPerUser(natsUrl!, names.EVENTS_STREAM, database.url, 120);
    const ready = (await (await fetch(`${service.url}/ready`)).json()) as { checks: { events: unknown } };
    expect(ready.checks.events).toMatchObject({ status: "healthy", state: "publishing" });
    // SIGTERM with the relay running: it stops between the HTTP drain and the pools, and the exit is clean.
    expect(await service.stop("SIGTERM")).toBe(0);
    expect(service.lines.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    service = undefined;
  });
});

describe.skipIf(!postgresUrl || !natsUrl)("acceptance: 500 signups across two copies, one killed, NATS restarted", () => {
  const folder = useBinaryInEmptyFolder();
  const database = useEmptyPostgresDatabase();
  const nats = ownNatsServer();
  const names = testStream();
  const copies: (RunningService | undefined)[] = [];

  beforeAll(() => nats.start());
  afterAll(async () => {
    for (const copy of copies) copy?.process.kill("SIGKILL");
    await nats.remove();
  });

  test("the stream holds exactly 500 messages, one valid CloudEvent per user", async () => {
    const env = { DATABASE_URL: database.url, NATS_URL: nats.url, ...names, ...FAST };
    const start = () => startService(folder.binary, { cwd: folder.dir, env });
    copies.push(await start(), await start());
    const up = () => copies.filter((copy): copy is RunningService => copy !== undefined).map((copy) => copy.url);
    const steps: string[] = [];
    await signUpAll("accept", 500, up, async (done) => {
      if (done === 120) {
        steps.push("kill -9 copy 1");
        const victim = copies[0]!;
        copies[0] = undefined;
        victim.process.kill("SIGKILL");
      } else if (done === 200) {
        steps.push("NATS stopped");
        await nats.stop();
      } else if (done === 300) {
        steps.push("NATS started");
        await nats.start();
      } else if (done === 350) {
        steps.push("copy 1 restarted");
        copies[0] = await start();
      }
    });
    expect(steps).toEqual(["kill -9 copy 1", "NATS stopped", "NATS started", "copy 1 restarted"]);
    await expectOneEventPerUser(nats.url, names.EVENTS_STREAM, database.url, 500);
  });
});

describe.skipIf(!natsUrl)("a traced signup's event, from the binary", () => {
  const folder = useBinaryInEmptyFolder();
  const names = testStream();
  const receiver = startOtlpReceiver();
  let service: RunningService | undefined;

  afterAll(async () => {
    service?.process.kill("SIGKILL");
    receiver.server.stop(true);
    await deleteStream(natsUrl!, names.EVENTS_STREAM);
  });

  test("carries the traceparent of the signup's persist span, in the caller's trace; the batch has its span", async () => {
    service = await startService(folder.binary, {
      cwd: folder.dir,
      env: { DATA_DIR: "memory://", NATS_URL: natsUrl!, ...names, ...FAST, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    const traceId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
    const response = await fetch(`${service.url}/signup`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: body("trace", 1),
    });
    expect(response.status).toBe(201);
    const user = (await response.json()) as { id: string };
    await eventually("the event", async () => (await streamMessageCount(natsUrl!, names.EVENTS_STREAM)) === 1);
    const [message] = await readStream(natsUrl!, names.EVENTS_STREAM);
    expect(message!.event.subject).toBe(user.id);
    await eventually("the persist and batch spans", async () =>
      ["signup.persist", "outbox.relay_batch"].every((name) => receiver.spans().some((span) => span.name === name)),
    );
    const persist = receiver.spans().find((span) => span.name === "signup.persist")!;
    expect(persist.traceId).toBe(traceId);
    expect(message!.event.traceparent).toBe(`00-${traceId}-${persist.spanId}-01`);
    const batch = receiver.spans().find((span) => span.name === "outbox.relay_batch")!;
    expect(attributesOf(batch.attributes)["messaging.batch.message_count"]).toBe("1");
    expect(receiver.spans().some((span) => span.name === "db outbox_mark_sent" && span.parentSpanId === batch.spanId)).toBe(true);
  });
});
