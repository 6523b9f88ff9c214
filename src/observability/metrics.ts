import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { createRequestMetrics } from "./request-metrics";

/**
 * From sub-millisecond (health, replays) to seconds (a queue of hashes under overload); 5 ms apart
 * from 10 to 50 ms, where a signup lands, so that its quantiles, interpolated inside a bucket, are
 * within a few milliseconds.
 */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.06, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5,
  5, 10,
];

export interface MetricsSources {
  databasePoolMax: number;
  /** Log lines dropped because stdout did not take them. */
  logLinesDropped: () => number;
}

/**
 * One registry per app (no prom-client globals), with the process's and the HTTP requests'
 * metrics under the seed's names. Features register their own metrics on `registry`.
 */
export function createMetrics(sources: MetricsSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const observeRequest = createRequestMetrics(registry, LATENCY_BUCKETS);
  new Gauge({ name: "database_pool_max_connections", help: "Configured size of the connection pool", registers: [registry] }).set(
    sources.databasePoolMax,
  );
  new Counter({
    name: "log_lines_dropped_total",
    help: "Log lines (access and other) dropped because stdout did not take them (a stalled log reader)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.logLinesDropped());
    },
  });
  return { registry, observeRequest };
}

export type Metrics = ReturnType<typeof createMetrics>;
