import { Counter, type Registry } from "prom-client";

export type IdempotencyOutcome = "claimed" | "taken_over" | "replayed" | "mismatch" | "in_progress" | "released";

/** The Idempotency-Key metrics, registered on the app's registry. */
export function createIdempotencyMetrics(registry: Registry) {
  const registers = [registry];
  const hits = new Counter({
    name: "idempotency_hits_total",
    help: "Requests answered from a stored idempotent response",
    registers,
  });
  const outcomes = new Counter({
    name: "idempotency_outcomes_total",
    help: "Idempotency-Key handling: claimed, taken_over, replayed, mismatch, in_progress, released",
    labelNames: ["outcome"] as const,
    registers,
  });
  const swept = new Counter({
    name: "idempotency_keys_swept_total",
    help: "Expired idempotency records deleted by the sweeper",
    registers,
  });
  return {
    outcome(outcome: IdempotencyOutcome) {
      outcomes.inc({ outcome });
      if (outcome === "replayed") hits.inc();
    },
    swept: (count: number) => swept.inc(count),
  };
}
