import { safeError } from "../db/errors";
import type { Logger } from "../observability/logger";
import type { Spans } from "../observability/spans";
import type { EventPublisher } from "./nats-publisher";
import { type OutboxStatements, PRUNE_BATCH_SIZE } from "./outbox-statements";
import type { RelayMetrics } from "./relay-metrics";

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;
const PRUNE_INTERVAL_MS = 60_000;
/** Longest wait at shutdown for the batch in flight; its claims expire and another copy takes them anyway. */
const STOP_TIMEOUT_MS = 5000;

type RelayState = "stopped" | "connecting" | "publishing" | "nats_unavailable" | "database_unavailable";

export interface RelayOptions {
  statements: OutboxStatements;
  publisher: EventPublisher;
  metrics: RelayMetrics;
  spans: Spans;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  claimLeaseMs: number;
  retentionMs: number;
}

class PhaseError extends Error {
  constructor(
    readonly state: "nats_unavailable" | "database_unavailable",
    readonly reason: unknown,
  ) {
    super(safeError(reason).message);
  }
}

const inPhase = async <T>(state: PhaseError["state"], work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw error instanceof PhaseError ? error : new PhaseError(state, error);
  }
};

/** Capped exponential backoff with jitter, so copies that lost NATS together do not retry together. */
export const backoffMs = (failures: number) =>
  Math.round(Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (failures - 1)) * (0.75 + Math.random() * 0.5));

/**
 * Delivers the outbox to JetStream at least once; the stream's duplicate window (event id as
 * Nats-Msg-Id) makes it once in the stream. Claims a batch (one statement, SKIP LOCKED, a lease
 * instead of a held transaction), publishes it, awaits every acknowledgement, marks what was
 * acknowledged sent and gives back the rest. Woken by `wake()` after a local signup, else every
 * poll interval (the events of other copies, and of copies that died). Failures back off; the
 * events wait in the table and signups do not notice.
 */
export function createOutboxRelay(options: RelayOptions) {
  const { statements, publisher, metrics, spans, logger } = options;
  let state: RelayState = "stopped";
  let lastError: string | undefined;
  let consecutiveFailures = 0;
  let lastPublishedAt: Date | undefined;
  let stopping = false;
  let running: Promise<void> | undefined;
  let woken = false;
  let interrupt: (() => void) | undefined;

  /** Sleeps until `ms` pass, `wake()` is called (when `wakeable`) or the relay stops. */
  function pause(ms: number, wakeable: boolean) {
    if (stopping || (wakeable && woken)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      }
      interrupt = () => {
        if (stopping || wakeable) done();
      };
    });
  }

  /** One batch; returns how many events it claimed. */
  async function relayBatch(): Promise<number> {
    const claimToken = Bun.randomUUIDv7();
    const claimed = await inPhase("database_unavailable", () =>
      statements.claim.execute({ leaseMs: options.claimLeaseMs, claimToken, limit: options.batchSize }),
    );
    if (claimed.length === 0) return 0;
    await spans.run("outbox.relay_batch", { "messaging.system": "nats", "messaging.batch.message_count": claimed.length }, async () => {
      const results = await Promise.allSettled(claimed.map((event) => publisher.publish(event.id, event.payload)));
      const sent: string[] = [];
      const failed: string[] = [];
      let firstFailure: unknown;
      results.forEach((result, index) => {
        const { id } = claimed[index]!;
        if (result.status === "fulfilled") {
          sent.push(id);
          metrics.published(result.value.duplicate);
        } else {
          failed.push(id);
          firstFailure ??= result.reason;
        }
      });
      if (sent.length > 0) {
        await inPhase("database_unavailable", () => statements.markSent.execute({ ids: sent.join(",") }));
        lastPublishedAt = new Date();
      }
      if (failed.length > 0) {
        metrics.failed(failed.length);
        metrics.batch("failed");
        // Best effort: a claim not given back expires by itself after the lease.
        await statements.release.execute({ ids: failed.join(","), claimToken }).catch(() => {});
        throw new PhaseError("nats_unavailable", firstFailure);
      }
      metrics.batch("published");
    });
    return claimed.length;
  }

  async function prune() {
    let total = 0;
    for (;;) {
      const deleted = await inPhase("database_unavailable", () => statements.prune.execute({ retentionMs: options.retentionMs }));
      total += deleted.length;
      if (deleted.length < PRUNE_BATCH_SIZE) break;
    }
    if (total > 0) {
      metrics.pruned(total);
      logger.info({ deleted: total }, "pruned sent events from the outbox");
    }
  }

  async function loop() {
    let lastPrune = 0;
    while (!stopping) {
      try {
        await inPhase("nats_unavailable", () => publisher.ready());
        woken = false;
        while (!stopping && (await relayBatch()) === options.batchSize) {}
        if (consecutiveFailures > 0) logger.info({ after_failures: consecutiveFailures }, "event relay publishing again");
        state = "publishing";
        consecutiveFailures = 0;
        lastError = undefined;
        if (Date.now() - lastPrune >= Math.min(PRUNE_INTERVAL_MS, options.retentionMs)) {
          await prune();
          lastPrune = Date.now();
        }
        await pause(options.pollIntervalMs, true);
      } catch (error) {
        const failure = error instanceof PhaseError ? error : new PhaseError("database_unavailable", error);
        consecutiveFailures++;
        state = failure.state;
        lastError = failure.message;
        publisher.invalidate();
        const delay = backoffMs(consecutiveFailures);
        logger.warn(
          { state, attempt: consecutiveFailures, retry_in_ms: delay, error: safeError(failure.reason) },
          "event relay cannot publish; events wait in the outbox",
        );
        await pause(delay, false);
      }
    }
  }

  return {
    start() {
      if (running) return;
      stopping = false;
      state = "connecting";
      running = loop();
    },
    /** A local signup committed an event: publish now rather than at the next poll. */
    wake() {
      woken = true;
      interrupt?.();
    },
    /** Lets the batch in flight finish (bounded), then closes the NATS connection. */
    async stop() {
      stopping = true;
      interrupt?.();
      if (running) await Promise.race([running, Bun.sleep(STOP_TIMEOUT_MS)]);
      running = undefined;
      state = "stopped";
      await publisher.close().catch((error) => logger.warn({ error: safeError(error) }, "closing the NATS connection failed"));
    },
    /** For /ready: shown, never failing it (signups work without NATS). */
    status() {
      return {
        status: state === "publishing" ? ("healthy" as const) : ("degraded" as const),
        state,
        message:
          state === "publishing"
            ? "Publishing events to NATS JetStream"
            : state === "stopped" || state === "connecting"
              ? `Event relay ${state}`
              : `Events wait in the outbox: ${lastError ?? state}`,
        consecutive_failures: consecutiveFailures,
        ...(lastPublishedAt ? { last_published_at: lastPublishedAt.toISOString() } : {}),
      };
    },
  };
}
