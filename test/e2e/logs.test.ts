import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, constants, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, serviceEnv, waitForReady } from "../../harness/service";
import { binaryInEmptyFolder, buildBinary, type RunningService, startService } from "../support/binary";

/**
 * The access log of the compiled binary under a short mixed load: one JSON line per request,
 * with route templates, ids that join with the caller's, and never a password or a hash.
 */

interface SentRequest {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The route template the line must carry. */
  route: string;
  /** Set when the client sent X-Request-Id / X-Correlation-Id / traceparent. */
  requestId?: string;
  correlationId?: string;
  traceId?: string;
}

interface Answered extends SentRequest {
  status: number;
  echoedRequestId: string | null;
  body: string;
}

interface LogLine {
  msg?: string;
  level?: string;
  method?: string;
  route?: string;
  status?: number;
  duration_ms?: number;
  request_id?: string;
  correlation_id?: string;
  trace_id?: string;
  span_id?: string;
}

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
const PROBES = ["/health", "/ready", "/metrics"];
const BATCH = 25;

/** Parses every line; the ones that are not JSON come back separately so the test can show them. */
function parseLines(lines: string[]): { parsed: LogLine[]; notJson: string[] } {
  const parsed: LogLine[] = [];
  const notJson: string[] = [];
  for (const line of lines) {
    try {
      const value: unknown = JSON.parse(line);
      if (value === null || typeof value !== "object" || Array.isArray(value)) notJson.push(line);
      else parsed.push(value as LogLine);
    } catch {
      notJson.push(line);
    }
  }
  return { parsed, notJson };
}

/**
 * Waits (bounded) until every given request id has an access-log line. The line is written after
 * the response is sent, so a SIGTERM sent the instant the last answer arrives can race it (see
 * the report on shutdown); the tests here are about what the lines say, so they let them land.
 */
async function waitForAccessLines(service: RunningService, requestIds: string[], timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  const missing = () => requestIds.filter((id) => !service.lines.some((line) => line.includes(`"request_id":${JSON.stringify(id)}`)));
  while (missing().length > 0 && Date.now() < deadline) await Bun.sleep(20);
}

/** SIGTERM, bounded; then waits (bounded) until the pipes have delivered the final "stopped" line. */
async function stopAndCollect(service: RunningService): Promise<number | "timeout"> {
  const code = await Promise.race([service.stop("SIGTERM"), Bun.sleep(15_000).then(() => "timeout" as const)]);
  if (code === "timeout") {
    service.process.kill("SIGKILL");
    await service.process.exited;
    return code;
  }
  const deadline = Date.now() + 5_000;
  while (!service.lines.some((line) => line.includes('"msg":"stopped"')) && Date.now() < deadline) await Bun.sleep(20);
  await Bun.sleep(50);
  return code;
}

async function send(url: string, request: SentRequest): Promise<Answered> {
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(15_000),
  });
  const body = await response.text();
  return { ...request, status: response.status, echoedRequestId: response.headers.get("x-request-id"), body };
}

async function sendInBatches(url: string, requests: SentRequest[]): Promise<Answered[]> {
  const answered: Answered[] = [];
  for (let start = 0; start < requests.length; start += BATCH) {
    answered.push(...(await Promise.all(requests.slice(start, start + BATCH).map((request) => send(url, request)))));
  }
  return answered;
}

describe("the access log of the compiled binary", () => {
  let folder: ReturnType<typeof binaryInEmptyFolder>;
  const running: RunningService[] = [];
  /** What the load test sent and the lines it got, for the status check that follows it. */
  const load: { logged: Answered[]; byRequestId: Map<string, LogLine[]> } = { logged: [], byRequestId: new Map() };

  beforeAll(async () => {
    await buildBinary();
    folder = binaryInEmptyFolder();
  }, 60_000);

  afterAll(async () => {
    for (const service of running) {
      if (service.process.exitCode === null && service.process.signalCode === null) {
        service.process.kill("SIGKILL");
        await service.process.exited;
      }
    }
    if (folder) rmSync(folder.dir, { recursive: true, force: true });
  });

  test("150 mixed requests: one JSON line each, with template, status, timing and joinable ids, and no secrets", async () => {
    const service = await startService(folder.binary, { cwd: folder.dir, env: { LOG_LEVEL: "info" } });
    running.push(service);
    const url = service.url;
    const passwords: string[] = [];
    const emails: string[] = [];
    let n = 0;
    const password = () => {
      const value = `Lg-${hex(5)}-${++n}Aa`;
      passwords.push(value);
      return value;
    };
    const email = () => {
      const value = `Log.${hex(4)}.${++n}@Example.com`;
      emails.push(value);
      return value;
    };
    const json = (value: unknown) => JSON.stringify(value);
    const signup = (label: string, body: string, extra: Record<string, string>): SentRequest => ({
      label,
      method: "POST",
      path: "/signup",
      headers: { "content-type": "application/json", ...extra },
      body,
      route: "/signup",
    });
    /** Some requests carry client ids; the rest get the service's. */
    const withIds = (request: SentRequest, index: number): SentRequest => {
      if (index % 3 === 0) {
        request.requestId = `client-req-${index}-${hex(4)}`;
        request.headers["x-request-id"] = request.requestId;
      }
      if (index % 4 === 0) {
        request.correlationId = `corr-${index}-${hex(4)}`;
        request.headers["x-correlation-id"] = request.correlationId;
      }
      if (index % 5 === 0) {
        request.traceId = hex(16);
        request.headers.traceparent = `00-${request.traceId}-${hex(8)}-01`;
      }
      return request;
    };

    // A first round makes users to read and keys to replay.
    const firstRound: SentRequest[] = [];
    const keyed: { key: string; body: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const body = json({ name: `Log ${i}`, email: email(), password: password(), display_name: "Log L" });
      const key = `log-key-${i}-${hex(4)}`;
      keyed.push({ key, body });
      firstRound.push(withIds(signup("keyed signup", body, { "idempotency-key": key }), i));
    }
    for (let i = 0; i < 20; i++) {
      const body = json({ name: `Plain ${i}`, email: email(), password: password(), display_name: "Log P" });
      firstRound.push(withIds(signup("unkeyed signup", body, {}), 20 + i));
    }
    const first = await sendInBatches(url, firstRound);
    for (const answer of first) expect({ label: answer.label, status: answer.status }).toEqual({ label: answer.label, status: 201 });
    const createdIds = first.map((answer) => (JSON.parse(answer.body) as { id: string }).id);
    const replays: SentRequest[] = keyed.slice(0, 10).map(({ key, body }) => signup("replay", body, { "idempotency-key": key }));

    const secondRound: SentRequest[] = [...replays];
    for (let i = 0; i < 10; i++) {
      secondRound.push(
        signup("reused key, other body", json({ ...JSON.parse(keyed[10 + i]!.body), password: password() }), {
          "idempotency-key": keyed[10 + i]!.key,
        }),
      );
    }
    for (let i = 0; i < 10; i++) {
      const body = json({ name: "Dup", email: emails[i]!.toUpperCase(), password: password(), display_name: "Dup" });
      secondRound.push(signup("duplicate email", body, { "idempotency-key": `dup-${i}-${hex(4)}` }));
    }
    for (let i = 0; i < 10; i++) {
      const body = json({ name: "Dup", email: emails[20 + i]!, password: password(), display_name: "Dup" });
      secondRound.push(signup("duplicate email", body, {}));
    }
    for (let i = 0; i < 10; i++) {
      const body = json({ name: "Bad", email: `not an email ${i}`, password: password(), display_name: "Bad" });
      secondRound.push(signup("invalid body", body, {}));
    }
    for (let i = 0; i < 5; i++) {
      secondRound.push(signup("short password", json({ name: "Shrt", email: email(), password: `Ab1${hex(2)}`, display_name: "S" }), {}));
      passwords.push(JSON.parse(secondRound.at(-1)!.body!).password);
    }
    for (let i = 0; i < 5; i++) {
      secondRound.push(signup("malformed JSON", `{"name":"x","password":"${password()}"`, {}));
    }
    for (let i = 0; i < 5; i++) {
      const request = signup("not JSON", `password=${password()}`, {});
      request.headers["content-type"] = "application/x-www-form-urlencoded";
      secondRound.push(request);
    }
    for (const id of createdIds.slice(0, 20)) {
      secondRound.push({ label: "read user", method: "GET", path: `/users/${id}`, headers: {}, route: "/users/:id" });
    }
    for (let i = 0; i < 10; i++) {
      secondRound.push({ label: "unknown user", method: "GET", path: `/users/${crypto.randomUUID()}`, headers: {}, route: "/users/:id" });
    }
    for (let i = 0; i < 5; i++) {
      secondRound.push({ label: "not a uuid", method: "GET", path: `/users/not-a-uuid-${i}`, headers: {}, route: "/users/:id" });
    }
    for (let i = 0; i < 10; i++) {
      secondRound.push({ label: "unknown route", method: "GET", path: `/no/such/route/${hex(4)}`, headers: {}, route: "unmatched" });
    }
    // Probes in between: answered, but not logged by default.
    const probes: SentRequest[] = PROBES.map((path) => ({ label: "probe", method: "GET", path, headers: {}, route: path }));
    for (const [index, request] of secondRound.entries()) withIds(request, 40 + index);
    const second = await sendInBatches(url, [...secondRound, ...probes]);
    expect(second.length).toBe(110 + probes.length);
    const logged = [...first, ...second.filter((answer) => answer.label !== "probe")];
    expect(logged.length).toBe(150);

    const expectedStatus: Record<string, number> = {
      replay: 201,
      "reused key, other body": 422,
      "duplicate email": 409,
      "invalid body": 422,
      "short password": 422,
      "malformed JSON": 400,
      "not JSON": 415,
      "read user": 200,
      "unknown user": 404,
      "not a uuid": 422,
      "unknown route": 404,
      probe: 200,
    };
    for (const answer of second) {
      expect({ label: answer.label, path: answer.path, status: answer.status }).toEqual({
        label: answer.label,
        path: answer.path,
        status: expectedStatus[answer.label]!,
      });
    }

    await waitForAccessLines(
      service,
      logged.map((answer) => answer.echoedRequestId ?? ""),
    );
    expect(await stopAndCollect(service)).toBe(0);
    const { parsed, notJson } = parseLines(service.lines);
    expect(notJson).toEqual([]);
    const accessLines = parsed.filter((line) => line.msg === "request");
    expect(accessLines.filter((line) => PROBES.includes(line.route ?? "")).length).toBe(0);
    expect(accessLines.length).toBe(logged.length);

    const byRequestId = new Map<string, LogLine[]>();
    for (const line of accessLines) byRequestId.set(line.request_id ?? "", [...(byRequestId.get(line.request_id ?? "") ?? []), line]);
    load.logged = logged;
    load.byRequestId = byRequestId;
    for (const answer of logged) {
      const what = `${answer.label} ${answer.method} ${answer.path}`;
      expect({ what, echoed: answer.echoedRequestId !== null }).toEqual({ what, echoed: true });
      if (answer.requestId) expect({ what, echoed: answer.echoedRequestId }).toEqual({ what, echoed: answer.requestId });
      const lines = byRequestId.get(answer.echoedRequestId ?? "") ?? [];
      expect({ what, lines: lines.length }).toEqual({ what, lines: 1 });
      const line = lines[0]!;
      expect({ what, line }).toMatchObject({
        what,
        line: {
          level: "info",
          method: answer.method,
          route: answer.route,
          request_id: answer.echoedRequestId!,
          correlation_id: answer.correlationId ?? answer.echoedRequestId!,
        },
      });
      expect({ what, status: line.status }).toEqual({ what, status: expect.any(Number) });
      expect(line.status!).toBeGreaterThanOrEqual(100);
      expect(line.status!).toBeLessThanOrEqual(599);
      expect(typeof line.duration_ms).toBe("number");
      expect(line.duration_ms!).toBeGreaterThanOrEqual(0);
      expect(line.duration_ms!).toBeLessThan(60_000);
      expect({ what, trace_id: line.trace_id }).toEqual({ what, trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect({ what, span_id: line.span_id }).toEqual({ what, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      if (answer.traceId) expect({ what, trace_id: line.trace_id }).toEqual({ what, trace_id: answer.traceId });
    }
    // Routes are templates: no raw id or path ever reaches the route field.
    expect([...new Set(accessLines.map((line) => line.route))].sort()).toEqual(["/signup", "/users/:id", "unmatched"]);

    // No password, no hash, no email, anywhere in the output.
    expect(passwords.length).toBeGreaterThanOrEqual(80);
    for (const line of service.lines) {
      const lower = line.toLowerCase();
      const leaks = [
        ...passwords.filter((secret) => line.includes(secret)),
        ...emails.filter((address) => lower.includes(address.toLowerCase())),
        ...(line.includes("$argon2") ? ["$argon2"] : []),
      ];
      expect({ line, leaks }).toEqual({ line, leaks: [] });
    }
  }, 30_000);

  test("each access-log line carries the status the client received", () => {
    expect(load.logged.length).toBe(150);
    const mismatches = load.logged
      .map((answer) => ({
        request: `${answer.label}: ${answer.method} ${answer.path}`,
        sent: answer.status,
        logged: load.byRequestId.get(answer.echoedRequestId ?? "")?.[0]?.status,
      }))
      .filter(({ sent, logged }) => sent !== logged);
    expect(mismatches).toEqual([]);
  }, 30_000);

  test("with LOG_PROBES=true, /health, /ready and /metrics are logged too", async () => {
    const service = await startService(folder.binary, { cwd: folder.dir, env: { LOG_LEVEL: "info", LOG_PROBES: "true" } });
    running.push(service);
    const sent: Answered[] = [];
    for (const path of PROBES) {
      const requestId = `probe-${path.slice(1)}-${hex(4)}`;
      sent.push(
        await send(service.url, { label: "probe", method: "GET", path, headers: { "x-request-id": requestId }, route: path, requestId }),
      );
    }
    await waitForAccessLines(
      service,
      sent.map((answer) => answer.requestId!),
    );
    expect(await stopAndCollect(service)).toBe(0);
    const { parsed, notJson } = parseLines(service.lines);
    expect(notJson).toEqual([]);
    const accessLines = parsed.filter((line) => line.msg === "request");
    for (const answer of sent) {
      expect(answer.status).toBe(200);
      expect(answer.echoedRequestId).toBe(answer.requestId!);
      const lines = accessLines.filter((line) => line.request_id === answer.requestId);
      expect({ path: answer.path, lines: lines.length }).toEqual({ path: answer.path, lines: 1 });
      expect(lines[0]).toMatchObject({ method: "GET", route: answer.path, status: 200 });
      expect(lines[0]!.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(lines[0]!.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
  }, 30_000);
});

describe("the access log when nothing reads the binary's stdout", () => {
  test("requests are still answered, lines past what it holds are dropped and counted, and SIGTERM still ends it", async () => {
    await buildBinary();
    const folder = binaryInEmptyFolder();
    // A pipe whose only reader (this process, through the same descriptor) never reads: a log
    // collector that stopped taking lines. Its 64 KiB fill with the first lines.
    const fifo = join(folder.dir, "stdout");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const stalled = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const port = freePort();
    const child = Bun.spawn([folder.binary], {
      cwd: folder.dir,
      env: serviceEnv({ LOG_LEVEL: "info", PORT: String(port) }),
      stdin: "ignore",
      stdout: stalled,
      stderr: "ignore",
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      expect(await waitForReady(url, { timeoutMs: 20_000 })).toBe(true);
      // About 6 MiB of access lines: more than the 4 MiB the service holds for a stalled output.
      const requests = 20_000;
      let next = 0;
      const statuses = new Map<number, number>();
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < requests) {
            const response = await fetch(`${url}/stalled-${next++}`, { signal: AbortSignal.timeout(5_000) });
            await response.arrayBuffer();
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          }
        }),
      );
      expect(Object.fromEntries(statuses)).toEqual({ 404: requests });
      const metrics = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      const counted = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics)?.[1]);
      const dropped = counted("log_lines_dropped_total");
      // Held: at most 4 MiB waiting, a batch Bun holds and the pipe's 64 KiB; every other line dropped.
      expect(dropped).toBeGreaterThan(requests - Math.ceil((4 * 1024 * 1024 + 2 * 64 * 1024) / 300));
      expect(dropped).toBeLessThan(requests);
      // Its "shutting down" and "stopped" lines wait too, but the shutdown does not wait for them.
      const signalled = performance.now();
      child.kill("SIGTERM");
      const exit = await Promise.race([child.exited, Bun.sleep(10_000).then(() => "still running after 10 s")]);
      expect(exit).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(5_000);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
      closeSync(stalled);
      rmSync(folder.dir, { recursive: true, force: true });
    }
  }, 120_000);
});
