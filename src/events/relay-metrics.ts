import { Counter, Gauge, type Registry } from "prom-client";

/** How long a scrape waits for the pending-events query before it shows the last values. */
const PENDING_QUERY_TIMEOUT_MS = 1000;

export interface PendingEvents {
  count: number;
  oldestAgeSeconds: number;
}

/** The relay's metrics, registered on the app's registry. */
export function createRelayMetrics(registry: Registry, pending: () => Promise<PendingEvents>) {
  const registers = [registry];
  let last: PendingEvents = { count: 0, oldestAgeSeconds: 0 };
  let inFlight: Promise<PendingEvents> | undefined;

  /** One query per scrape for both gauges, bounded: a scrape never waits on a database that is away. */
  function current(): Promise<PendingEvents> {
    inFlight ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<PendingEvents>((resolve) => {
        timer = setTimeout(() => resolve(last), PENDING_QUERY_TIMEOUT_MS);
      });
      try {
        last = await Promise.race([pending(), timeout]);
      } catch {
        // The database is away: the gauges keep their last values and the relay's state says why.
      } finally {
        clearTimeout(timer);
        inFlight = undefined;
      }
      return last;
    })();
    return inFlight;
  }

  new Gauge({
    name: "outbox_events_pending",
    help: "Events in the outbox not yet published to NATS",
    registers,
    async collect() {
      this.set((await current()).count);
    },
  });
  new Gauge({
    name: "outbox_oldest_pending_age_seconds",
    help: "Age of the oldest event not yet published (0 when none waits)",
    registers,
    async collect() {
      this.set((await current()).oldestAgeSeconds);
    },
  });
  const published = new Counter({
    name: "outbox_events_published_total",
    help: "Events acknowledged by JetStream; duplicate=true when the stream already held that event id",
    labelNames: ["duplicate"] as const,
    registers,
  });
  const failures = new Counter({
    name: "outbox_publish_failures_total",
    help: "Events whose publish failed or was not acknowledged in time (retried later)",
    registers,
  });
  const batches = new Counter({
    name: "outbox_relay_batches_total",
    help: "Batches of claimed events the relay handled, by outcome: published, failed",
    labelNames: ["outcome"] as const,
    registers,
  });
  const pruned = new Counter({
    name: "outbox_events_pruned_total",
    help: "Sent events deleted from the outbox after the retention period",
    registers,
  });

  return {
    published: (duplicate: boolean) => published.inc({ duplicate: duplicate ? "true" : "false" }),
    failed: (count: number) => failures.inc(count),
    batch: (outcome: "published" | "failed") => batches.inc({ outcome }),
    pruned: (count: number) => pruned.inc(count),
  };
}

export type RelayMetrics = ReturnType<typeof createRelayMetrics>;
