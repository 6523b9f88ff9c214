import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import postgres from "postgres";
import { binaryInEmptyFolder, buildBinary, startService } from "../support/binary";
import { createEmptyPostgresDatabase, postgresUrl } from "../support/databases";
import { spanValues, startOtlpReceiver } from "../support/otlp-receiver";

// Builds the binary and runs it with debug logging, tracing and metrics, then searches everything it produced.
setDefaultTimeout(90_000);

interface Found {
  where: string;
  text: string;
}

/** Where each secret appears among everything collected; the empty list is the pass. */
function leaks(haystack: Found[], secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    for (const { where, text } of haystack) if (text.includes(secret)) found.push(`${label} in ${where}`);
  }
  return found;
}

/** A hash, and its salt and digest alone: a leak of either is a leak. */
function hashParts(label: string, hash: string): Record<string, string> {
  const parts = hash.split("$").filter((part) => part.length >= 16);
  return Object.fromEntries([[label, hash], ...parts.map((part, i) => [`${label} part ${i}`, part])]);
}

describe.skipIf(!postgresUrl)("no secret anywhere: responses, logs at debug, spans, metrics, idempotency rows, read model", () => {
  let folder: ReturnType<typeof binaryInEmptyFolder>;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    await buildBinary();
    folder = binaryInEmptyFolder();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    if (folder) rmSync(folder.dir, { recursive: true, force: true });
  });

  /**
   * Starts the binary (LOG_LEVEL=debug, traces to a receiver started here) on a database of its
   * own, runs `scenario`, scrapes /metrics, reads the tables, stops the service with SIGTERM (which
   * flushes the spans) and returns everything it produced, with where each piece came from.
   */
  async function collect(scenario: (send: (path: string, init?: RequestInit) => Promise<Response>) => Promise<void>) {
    const database = await createEmptyPostgresDatabase();
    cleanups.push(() => database.drop());
    const receiver = startOtlpReceiver();
    cleanups.push(() => receiver.server.stop(true));
    const service = await startService(folder.binary, {
      cwd: folder.dir,
      env: { DATABASE_URL: database.url, LOG_LEVEL: "debug", LOG_PROBES: "true", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    cleanups.push(() => {
      service.process.kill("SIGKILL");
    });
    const haystack: Found[] = [];
    let n = 0;
    const send = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${service.url}${path}`, init);
      const label = `response ${++n} (${init?.method ?? "GET"} ${path} ${response.status})`;
      haystack.push({ where: `${label} body`, text: await response.clone().text() });
      for (const [name, value] of response.headers) haystack.push({ where: `${label} header ${name}`, text: value });
      return response;
    };
    await scenario(send);

    const metrics = await send("/metrics");
    expect(metrics.status).toBe(200);
    haystack.push({ where: "/metrics", text: await metrics.text() });

    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const hashes = await sql<{ id: string; password_hash: string }[]>`select id::text, password_hash from users`;
    const users = await sql`select * from users`;
    const usersRead = await sql`select * from users_read`;
    const keys = await sql`select * from idempotency_keys`;
    await sql.end();
    for (const row of keys) haystack.push({ where: `idempotency_keys row ${row.key}`, text: JSON.stringify(row) });
    for (const row of usersRead) haystack.push({ where: `users_read row ${row.id}`, text: JSON.stringify(row) });
    // users itself: every column but password_hash, the one place the hash may be.
    for (const { password_hash: _, ...row } of users)
      haystack.push({ where: `users row ${row.id} (without password_hash)`, text: JSON.stringify(row) });

    expect(await service.stop("SIGTERM")).toBe(0);
    for (const [i, line] of service.lines.entries()) haystack.push({ where: `output line ${i + 1}: ${line.slice(0, 160)}`, text: line });
    for (const [i, { text }] of receiver.exports.entries()) haystack.push({ where: `OTLP export ${i + 1} (raw)`, text });
    for (const span of receiver.spans()) haystack.push(...spanValues(span));
    return { haystack, hashes, receiver, service, keys, usersRead };
  }

  const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

  test("a mixed scenario: keyed signups, a replay, a duplicate, a weak password, a validation failure, a reused key", async () => {
    const tag = Bun.randomUUIDv7().slice(-8);
    const passwords = {
      keyed: `Kk9-${tag}-keyed`,
      unkeyed: `Uu9-${tag}-unkeyed`,
      duplicate: `Dd9-${tag}-duplicate`,
      weak: `weak-${tag}-password`,
      invalid: `Ii9-${tag}-invalid`,
      reused: `Rr9-${tag}-reused`,
    };
    const email = `secret.${tag}@example.com`;
    const key = `no-secrets-${tag}`;
    const statuses: Record<string, number> = {};
    let userId = "";

    const { haystack, hashes, receiver, service, keys, usersRead } = await collect(async (send) => {
      const keyed = { name: "Sec", email, password: passwords.keyed, display_name: "Sec S" };
      const first = await send("/signup", post(keyed, { "idempotency-key": key }));
      statuses.keyed = first.status;
      userId = ((await first.json()) as { id: string }).id;
      statuses.replay = (await send("/signup", post(keyed, { "idempotency-key": key }))).status;
      statuses.reused = (await send("/signup", post({ ...keyed, password: passwords.reused }, { "idempotency-key": key }))).status;
      statuses.duplicate = (await send("/signup", post({ ...keyed, email: email.toUpperCase(), password: passwords.duplicate }))).status;
      statuses.unkeyed = (
        await send("/signup", post({ name: "Two", email: `two.${tag}@example.com`, password: passwords.unkeyed, display_name: "Two" }))
      ).status;
      statuses.weak = (
        await send(
          "/signup",
          post(
            { name: "W", email: `weak.${tag}@example.com`, password: passwords.weak, display_name: "W" },
            { "idempotency-key": `${key}-weak` },
          ),
        )
      ).status;
      statuses.invalid = (
        await send("/signup", post({ name: "", email: "not-an-email", password: passwords.invalid, display_name: "I" }))
      ).status;
      statuses.malformed = (await send("/signup", post(`{"password":"${passwords.invalid}",`))).status;
      statuses.read = (await send(`/users/${userId}`)).status;
      statuses.health = (await send("/health")).status;
      statuses.ready = (await send("/ready")).status;
    });

    expect(statuses).toEqual({
      keyed: 201,
      replay: 201,
      reused: 422,
      duplicate: 409,
      unkeyed: 201,
      weak: 422,
      invalid: 422,
      malformed: 400,
      read: 200,
      health: 200,
      ready: 200,
    });
    // The search covered something of each kind.
    expect(hashes.length).toBe(2);
    expect(keys.length).toBe(1);
    expect(usersRead.length).toBe(2);
    expect(receiver.rejected).toEqual([]);
    // Eight signup requests, each one trace (the malformed one's root is "Root": it fails before routing).
    expect(
      new Set(
        receiver
          .spans()
          .filter((span) => span.name === "POST /signup" || span.name === "Root")
          .map((span) => span.traceId),
      ).size,
    ).toBe(8);
    expect(receiver.spans().some((span) => span.name === "password.hash")).toBe(true);
    expect(service.lines.some((line) => line.includes('"level":"debug"') || line.includes('"route":"/signup"'))).toBe(true);
    expect(haystack.filter(({ where }) => where.startsWith("output line")).length).toBeGreaterThan(10);

    const secrets: Record<string, string> = {};
    for (const [name, password] of Object.entries(passwords)) secrets[`password (${name})`] = password;
    for (const { id, password_hash } of hashes) {
      expect(password_hash).toStartWith("$argon2id$");
      Object.assign(secrets, hashParts(`hash of user ${id}`, password_hash));
    }
    expect(leaks(haystack, secrets)).toEqual([]);
    // No hash of any password, in any encoding the service could produce, anywhere but users.password_hash.
    expect(haystack.filter(({ text }) => text.includes("$argon2") || text.includes("$2b$")).map(({ where }) => where)).toEqual([]);
  });

  test("a signup that fails inside the database (after its hash is made) leaks neither password nor hash", async () => {
    // Validation accepts a NUL in a name; PostgreSQL refuses it when the user is inserted, after hashing.
    const tag = Bun.randomUUIDv7().slice(-8);
    const password = `Nn9-${tag}-nul`;
    const statuses: number[] = [];
    const { haystack } = await collect(async (send) => {
      const body = { name: "Nul\u0000Name", email: `nul.${tag}@example.com`, password, display_name: "Nul" };
      statuses.push((await send("/signup", post(body, { "idempotency-key": `nul-${tag}` }))).status);
      statuses.push((await send("/signup", post({ ...body, email: `nul2.${tag}@example.com` }))).status);
    });
    expect(statuses.every((status) => status !== 201)).toBe(true);
    expect(leaks(haystack, { password })).toEqual([]);
    expect(haystack.filter(({ text }) => text.includes("$argon2")).map(({ where }) => where)).toEqual([]);
  });
});
