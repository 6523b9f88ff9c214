import type { Registry } from "prom-client";
import type { Config } from "../config";
import type { Database } from "../db/database";
import type { StatementRuntime } from "../db/instrument";
import type { Logger } from "../observability/logger";
import { createNatsPublisher } from "./nats-publisher";
import { prepareOutboxStatements } from "./outbox-statements";
import { createOutboxRelay } from "./relay";
import { createRelayMetrics } from "./relay-metrics";

/** The longest wait for NATS (connect, stream requests, a publish acknowledgement). */
const MAX_NATS_TIMEOUT_MS = 5000;

export interface EventRelayDependencies {
  config: Config["events"];
  natsUrl: string;
  db: Database;
  /** The relay's statements run with their spans and deadline, as every other statement. */
  runtime: StatementRuntime;
  logger: Logger;
  registry: Registry;
}

/** The outbox relay to NATS JetStream with its statements and metrics; `start()` it once migrations ran. */
export function createEventRelay({ config, natsUrl, db, runtime, logger, registry }: EventRelayDependencies) {
  const statements = prepareOutboxStatements(db, runtime);
  const { spans } = runtime;
  return createOutboxRelay({
    statements,
    // A publish must be settled well before its claim expires, or another copy would publish it too.
    publisher: createNatsPublisher({
      url: natsUrl,
      stream: config.stream,
      subject: config.subject,
      duplicateWindowMs: config.duplicateWindowMs,
      timeoutMs: Math.min(MAX_NATS_TIMEOUT_MS, Math.floor(config.claimLeaseMs / 3)),
      logger,
    }),
    metrics: createRelayMetrics(registry, async () => {
      const [row] = await statements.pending.execute();
      return row ?? { count: 0, oldestAgeSeconds: 0 };
    }),
    spans,
    logger,
    batchSize: config.batchSize,
    pollIntervalMs: config.pollIntervalMs,
    claimLeaseMs: config.claimLeaseMs,
    retentionMs: config.retentionMs,
  });
}
