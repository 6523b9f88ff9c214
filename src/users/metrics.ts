import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * 5 ms apart where a hash lands (20-60 ms here): with 10 ms buckets, a P50 read by interpolation
 * could be off by several milliseconds, which is the size of what the bench's breakdown compares.
 */
const HASH_BUCKETS = [0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.06, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5];
/**
 * A signup that finds a slot free waits microseconds, never exactly 0: its own first buckets, so
 * that "no wait" does not read as a P50 of a few ms interpolated inside (0, 5 ms].
 */
const HASH_WAIT_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, ...HASH_BUCKETS];

/** How a signup ended, for `signup_requests_total{status}`. */
export type SignupStatus = "success" | "duplicate" | "replayed" | "invalid" | "conflict" | "rate_limited" | "error";

export interface SignupMetricsSources {
  hashesInFlight: () => number;
  hashesQueued: () => number;
}

/** The signup's metrics (outcomes, hashing, breached-password lookups), registered on the app's registry. */
export function createSignupMetrics(registry: Registry, sources: SignupMetricsSources) {
  const registers = [registry];
  const requests = new Counter({
    name: "signup_requests_total",
    help: "Signup requests by outcome: success, duplicate, replayed, invalid, conflict (idempotency), rate_limited, error",
    labelNames: ["status"] as const,
    registers,
  });
  const duplicates = new Counter({
    name: "signup_duplicates_total",
    help: "Signups refused because the email is already registered",
    registers,
  });
  const hashDuration = new Histogram({
    name: "password_hash_duration_seconds",
    help: "Time to hash one password, excluding the wait for a hashing slot",
    buckets: HASH_BUCKETS,
    registers,
  });
  const hashWait = new Histogram({
    name: "password_hash_wait_seconds",
    help: "Time a signup waited for a hashing slot (HASH_CONCURRENCY) before its hash began",
    buckets: HASH_WAIT_BUCKETS,
    registers,
  });
  const pwnedChecks = new Counter({
    name: "pwned_passwords_checks_total",
    help: "Breached-password lookups (PWNED_PASSWORDS_URL) by outcome: breached, clean, failed_open, failed_closed",
    labelNames: ["outcome"] as const,
    registers,
  });
  new Gauge({
    name: "password_hashes_in_flight",
    help: "Passwords being hashed now",
    registers,
    collect() {
      this.set(sources.hashesInFlight());
    },
  });
  new Gauge({
    name: "password_hashes_queued",
    help: "Signups waiting for a hashing slot",
    registers,
    collect() {
      this.set(sources.hashesQueued());
    },
  });

  return {
    signup(status: SignupStatus) {
      requests.inc({ status });
      if (status === "duplicate") duplicates.inc();
    },
    hashTimings: {
      hashed: (seconds: number) => hashDuration.observe(seconds),
      waited: (seconds: number) => hashWait.observe(seconds),
    },
    pwnedCheck: (outcome: string) => pwnedChecks.inc({ outcome }),
  };
}

export type SignupMetrics = ReturnType<typeof createSignupMetrics>;
