// Every knob the bench reads from the environment, and the floors of issue 6 it checks.
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BENCH_DIR = join(ROOT, "bench");

const env = process.env;
export const numberFromEnv = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);

export const CFG = {
  seconds: numberFromEnv("BENCH_SECONDS", 6),
  warmup: numberFromEnv("BENCH_WARMUP", 1),
  rounds: numberFromEnv("BENCH_ROUNDS", 3),
  httpConnections: numberFromEnv("BENCH_HTTP_CONNECTIONS", 64),
  signupConnections: numberFromEnv("BENCH_SIGNUP_CONNECTIONS", 4),
  locustSeconds: numberFromEnv("BENCH_LOCUST_SECONDS", 60),
  fixtureUsers: numberFromEnv("BENCH_FIXTURE_USERS", 300),
  quietWait: numberFromEnv("BENCH_QUIET_WAIT", 60),
  /** Extra rounds allowed for foreign CPU before a noisy round is kept (and flagged). */
  noiseRetries: numberFromEnv("BENCH_NOISE_RETRIES", 3),
  adminUrl: env.BENCH_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
};

export const FLOORS = {
  health: 0.6,
  get: 0.8,
  signup: 0.8,
  replay: 0.5,
  locustP95Ms: 100,
  locustSignupHashMultiple: 3,
  rssMb: 150,
};

/**
 * The performance issue's (14) acceptance, floor and aim, measured in the same run. Shown beside
 * the floors above, which stay the bench's pass/fail gate (issue 6).
 */
export const TARGETS = [
  { measurement: "GET /health / raw Bun.serve JSON", key: "health", floor: 0.8, aim: 0.85, higherIsBetter: true },
  { measurement: "GET /users/{id} / raw Bun.serve + postgres.js", key: "get", floor: 0.92, aim: 0.95, higherIsBetter: true },
  { measurement: "signups/s / Bun.password.hash alone, same concurrency", key: "signup", floor: 0.92, aim: 0.95, higherIsBetter: true },
  { measurement: "replay rps / GET rps", key: "replay", floor: 0.75, aim: 0.8, higherIsBetter: true },
  { measurement: "seed profile P95, all requests (ms)", key: "locustAllP95", floor: 40, aim: 30, higherIsBetter: false },
  { measurement: "seed profile signup P95 / one hash alone", key: "locustSignupHashes", floor: 2.0, aim: 1.5, higherIsBetter: false },
  { measurement: "RSS after the bench (MB)", key: "rss", floor: 100, aim: undefined, higherIsBetter: false },
] as const;

/** A measurement during which other processes used this much of the machine is done again. */
export const NOISY_FOREIGN_CPU_PCT = 10;

/** The admission sweep's bar: a signup rate holds when its P95 stays under this. */
export const ADMISSION_P95_MS = 100;
