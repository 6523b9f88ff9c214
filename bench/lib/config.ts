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

/** A measurement during which other processes used this much of the machine is done again. */
export const NOISY_FOREIGN_CPU_PCT = 10;

/** The admission sweep's bar: a signup rate holds when its P95 stays under this. */
export const ADMISSION_P95_MS = 100;
