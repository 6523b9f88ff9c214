import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { IdempotencyOutcome } from "../idempotency/guard";
import { createRequestMetrics } from "./request-metrics";

/** From sub-millisecond (health, replays) to seconds (a queue of hashes under overload). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HASH_BUCKETS = [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5];

export type SignupStatus = "success" | "duplicate" | "replayed" | "invalid" | "conflict" | "rate_limited" | "error";

export interface MetricsSources {
  hashesInFlight: () => number;
  hashesQueued: () => number;
  databasePoolMax: number;
}

/** One registry per app (no prom-client globals), with the seed's metric names. */
export function createMetrics(sources: MetricsSources) {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const observeRequest = createRequestMetrics(registry, LATENCY_BUCKETS);
  const signupRequests = new Counter({
    name: "signup_requests_total",
    help: "Signup requests by outcome: success, duplicate, replayed, invalid, conflict (idempotency), rate_limited, error",
    labelNames: ["status"] as const,
    registers,
  });
  const signupDuplicates = new Counter({
    name: "signup_duplicates_total",
    help: "Signups refused because the email is already registered",
    registers,
  });
  const idempotencyHits = new Counter({
    name: "idempotency_hits_total",
    help: "Requests answered from a stored idempotent response",
    registers,
  });
  const idempotencyOutcomes = new Counter({
    name: "idempotency_outcomes_total",
    help: "Idempotency-Key handling: claimed, taken_over, replayed, mismatch, in_progress, released",
    labelNames: ["outcome"] as const,
    registers,
  });
  const idempotencySwept = new Counter({
    name: "idempotency_keys_swept_total",
    help: "Expired idempotency records deleted by the sweeper",
    registers,
  });
  const hashDuration = new Histogram({
    name: "password_hash_duration_seconds",
    help: "Time to hash one password, excluding the wait for a hashing slot",
    buckets: HASH_BUCKETS,
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
  new Gauge({ name: "database_pool_max_connections", help: "Configured size of the connection pool", registers }).set(
    sources.databasePoolMax,
  );

  return {
    registry,
    observeRequest,
    signup(status: SignupStatus) {
      signupRequests.inc({ status });
      if (status === "duplicate") signupDuplicates.inc();
    },
    idempotency(outcome: IdempotencyOutcome) {
      idempotencyOutcomes.inc({ outcome });
      if (outcome === "replayed") idempotencyHits.inc();
    },
    swept: (count: number) => idempotencySwept.inc(count),
    hashSeconds: (seconds: number) => hashDuration.observe(seconds),
    pwnedCheck: (outcome: string) => pwnedChecks.inc({ outcome }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
