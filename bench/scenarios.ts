// The measured loads: each service scenario and the limit it is compared with. A load runs for the
// seconds it is given, so the same one serves the warm-up and the measured window.
import { join } from "node:path";
import { BENCH_DIR, CFG } from "./lib/config.ts";
import type { ReplayFixture } from "./lib/fixtures.ts";
import type { Load, Measurement } from "./lib/measurement.ts";
import { oha, useOha } from "./lib/oha.ts";
import { lastLineJson, mustRun } from "./lib/process.ts";
import { wrk } from "./lib/wrk.ts";

const connections = CFG.httpConnections;

export const health =
  (url: string): Load =>
  (seconds) =>
    useOha ? oha(`${url}/health`, connections, seconds) : wrk("health.lua", `${url}/health`, connections, seconds);

/** GET /users/{id}, a random fixture user's id per request. */
export const getUser =
  (url: string, userIds: string[], idsFile: string): Load =>
  (seconds) =>
    useOha
      ? oha(`${url}/users/(${userIds.join("|")})`, connections, seconds, { randRegexUrl: true })
      : wrk("get-user.lua", url, connections, seconds, { BENCH_IDS_FILE: idsFile });

export const replay =
  (url: string, fixture: ReplayFixture): Load =>
  (seconds) =>
    useOha
      ? oha(`${url}/signup`, connections, seconds, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": fixture.key },
          body: fixture.body,
        })
      : wrk("replay.lua", url, connections, seconds, { BENCH_REPLAY_KEY: fixture.key, BENCH_REPLAY_BODY: fixture.body });

/**
 * Unique signups. Unique bodies need Lua, so always wrk (oha's -Z picks random lines and cannot
 * promise uniqueness). Remembers each invocation's tag and the 201s wrk counted, for the database check.
 */
export class SignupLoad {
  readonly tags: string[] = [];
  created = 0;

  constructor(
    private readonly url: string,
    private readonly runTag: string,
  ) {}

  readonly load: Load = async (seconds) => {
    const tag = `${this.runTag}s${this.tags.length + 1}`;
    this.tags.push(tag);
    const m = await wrk("signup.lua", this.url, CFG.signupConnections, seconds, { BENCH_RUN: tag });
    const created = m.statuses["201"] ?? 0;
    this.created += created;
    // Anything but a 201 is a failed signup; wrk's own "status" errors (non-2xx) are in that already.
    m.errors = m.requests - created + (m.errors - m.raw_errors.status);
    return m;
  };
}

interface HashReport {
  rps: number;
  hashes: number;
  latency_ms: { p50: number; p90: number; p95: number; p99: number; max?: number; mean: number };
  single_ms: { median: number; samples: number[] };
}

/** The service's argon2 parameters, when the bench is run with others than the defaults. */
const HASH_PARAMETERS_ENV = { ARGON2_MEMORY_COST: process.env.ARGON2_MEMORY_COST, ARGON2_TIME_COST: process.env.ARGON2_TIME_COST };

/** The limit for signups: Bun.password.hash alone at the signup concurrency. Also times single sequential hashes. */
export class HashAloneLoad {
  readonly singleHashesMs: number[] = [];

  /** `count` sequential hashes alone, nothing else hashing: their times in ms. */
  async singles(count: number): Promise<number[]> {
    const { stdout } = await mustRun(
      ["bun", join(BENCH_DIR, "baselines/hash.ts"), "--concurrency", "1", "--seconds", "0", "--warmup", "0", "--single", String(count)],
      { env: HASH_PARAMETERS_ENV },
    );
    return lastLineJson<HashReport>(stdout).single_ms.samples;
  }

  readonly load: Load = async (seconds): Promise<Measurement> => {
    // Single hashes only in measured windows: a warm-up's would be discarded anyway.
    const measured = seconds > CFG.warmup;
    const { stdout } = await mustRun(
      [
        "bun",
        join(BENCH_DIR, "baselines/hash.ts"),
        "--concurrency",
        String(CFG.signupConnections),
        "--seconds",
        String(seconds),
        "--warmup",
        "0",
        "--single",
        measured ? "10" : "0",
      ],
      { env: HASH_PARAMETERS_ENV },
    );
    const report = lastLineJson<HashReport>(stdout);
    if (measured) this.singleHashesMs.push(...report.single_ms.samples);
    return {
      tool: "bench/baselines/hash.ts",
      rps: report.rps,
      requests: report.hashes,
      ...report.latency_ms,
      errors: 0,
      single_median_ms: report.single_ms.median,
    };
  };
}
