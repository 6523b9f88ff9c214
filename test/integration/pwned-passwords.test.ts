import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pino from "pino";
import { ProblemError } from "../../src/http/problem";
import { createPwnedPasswordsCheck, type PwnedOutcome, type PwnedPasswordsOptions } from "../../src/users/pwned-passwords";

const BREACHED = "Velero-Azul-breached-1";
const sha1 = (text: string) => new Bun.CryptoHasher("sha1").update(text).digest("hex").toUpperCase();

/** A local server speaking the range protocol: every suffix of the range, padded with zero counts. */
function startRangeServer() {
  const requests: Array<{ path: string; padding: string | null }> = [];
  const breached = sha1(BREACHED);
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      requests.push({ path, padding: request.headers.get("add-padding") });
      if (path.startsWith("/slow/")) await Bun.sleep(2_000);
      if (path.startsWith("/broken/")) return new Response("upstream failure", { status: 500 });
      const prefix = path.split("/").pop() ?? "";
      const lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:1", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"];
      if (prefix === breached.slice(0, 5)) lines.push(`${breached.slice(5)}:3861493`);
      // Padding: entries with a count of 0, one of them the suffix of a password that is not breached.
      lines.push(`${sha1("Velero-Azul-padded-1").slice(5)}:0`);
      return new Response(lines.join("\r\n"), { headers: { "content-type": "text/plain" } });
    },
  });
  return { server, requests };
}

describe("the breached-password lookup against a local range server", () => {
  let range: ReturnType<typeof startRangeServer>;
  /** A port nothing listens on: taken from the system, then let go. */
  let closedPort: number;
  beforeAll(() => {
    range = startRangeServer();
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    closedPort = probe.port!;
    probe.stop(true);
  });
  afterAll(() => range.server.stop(true));

  function check(path: string, overrides: Partial<PwnedPasswordsOptions> = {}) {
    const outcomes: PwnedOutcome[] = [];
    const lookup = createPwnedPasswordsCheck({
      url: `http://127.0.0.1:${range.server.port}${path}`,
      timeoutMs: 300,
      failureMode: "open",
      logger: pino({ level: "silent" }),
      onOutcome: (outcome) => outcomes.push(outcome),
      ...overrides,
    });
    return { lookup, outcomes };
  }

  test("a hit is refused as breached; only the 5-character prefix is sent, with padding asked", async () => {
    const { lookup, outcomes } = check("");
    range.requests.length = 0;
    expect(await lookup(BREACHED)).toEqual([{ rule: "breached", message: "appears in known data breaches; choose another" }]);
    expect(outcomes).toEqual(["breached"]);
    expect(range.requests).toEqual([{ path: `/range/${sha1(BREACHED).slice(0, 5)}`, padding: "true" }]);
    expect(range.requests[0]?.path).not.toContain(sha1(BREACHED).slice(5));
  });

  test("a miss passes, and a padding entry (count 0) is not a hit", async () => {
    const { lookup, outcomes } = check("/");
    expect(await lookup("Velero-Azul-clean-1")).toEqual([]);
    expect(await lookup("Velero-Azul-padded-1")).toEqual([]);
    expect(outcomes).toEqual(["clean", "clean"]);
  });

  for (const [failure, path] of [
    ["a timeout", "/slow"],
    ["an error status", "/broken"],
    ["a refused connection", null],
  ] as const) {
    test(`${failure}, failing open (the default): accepted, counted and logged`, async () => {
      const lines: string[] = [];
      const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
      const url = path === null ? `http://127.0.0.1:${closedPort}` : `http://127.0.0.1:${range.server.port}${path}`;
      const { lookup, outcomes } = check("", { url, logger });
      const started = performance.now();
      expect(await lookup(BREACHED)).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(outcomes).toEqual(["failed_open"]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("breached-password lookup failed");
      expect(lines[0]).not.toContain(BREACHED);
      expect(lines[0]).not.toContain(sha1(BREACHED).slice(5));
    });

    test(`${failure}, failing closed: a 503 problem with Retry-After`, async () => {
      const url = path === null ? `http://127.0.0.1:${closedPort}` : `http://127.0.0.1:${range.server.port}${path}`;
      const { lookup, outcomes } = check("", { url, failureMode: "closed" });
      const error = await lookup("Velero-Azul-clean-1").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).status).toBe(503);
      expect((error as ProblemError).headers["retry-after"]).toBe("2");
      expect(outcomes).toEqual(["failed_closed"]);
    });
  }

  test("past its lookups in flight, one more fails at once without a request, and a slot freed is used again", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const held = check("/slow", { maxInFlight: 2, timeoutMs: 600, logger });
    range.requests.length = 0;
    const pending = [held.lookup("Velero-Azul-held-1"), held.lookup("Velero-Azul-held-2")];
    const started = performance.now();
    expect(await held.lookup("Velero-Azul-third-1")).toEqual([]);
    expect(performance.now() - started).toBeLessThan(300);
    expect(held.outcomes).toEqual(["failed_open"]);
    expect(lines.at(-1)).toContain("2 lookups already in flight");
    await Bun.sleep(50);
    expect(range.requests).toHaveLength(2);
    await Promise.all(pending);
    expect(held.outcomes).toEqual(["failed_open", "failed_open", "failed_open"]);
    // Both slots free again: the next lookup is sent and waits for its answer, up to its timeout.
    const again = performance.now();
    expect(await held.lookup("Velero-Azul-fourth-1")).toEqual([]);
    expect(performance.now() - again).toBeGreaterThanOrEqual(500);
    expect(range.requests).toHaveLength(3);
    expect(lines.at(-1)).toContain('"reason":"timeout"');

    const closed = check("/slow", { maxInFlight: 1, timeoutMs: 600, failureMode: "closed" });
    const first = closed.lookup("Velero-Azul-held-3").catch((caught: unknown) => caught);
    const refused = await closed.lookup("Velero-Azul-third-2").catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).status).toBe(503);
    expect(closed.outcomes).toEqual(["failed_closed"]);
    await first;
  });
});
