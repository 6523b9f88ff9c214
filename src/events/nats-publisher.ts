import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../observability/logger";
import { CLOUDEVENTS_CONTENT_TYPE } from "./cloud-event";

export interface PublisherOptions {
  url: string;
  stream: string;
  subject: string;
  duplicateWindowMs: number;
  /** Longest wait for a connection, a stream request or a publish acknowledgement. */
  timeoutMs: number;
  logger: Logger;
}

/** Publishes events to JetStream; the relay only knows this interface. */
export interface EventPublisher {
  /** Connects if needed and makes sure the stream exists; throws while NATS cannot be reached. */
  ready(): Promise<void>;
  /** Resolves once JetStream acknowledged the message as stored (or as a duplicate of a stored one). */
  publish(id: string, payload: string): Promise<{ duplicate: boolean }>;
  /** A failed publish may mean the stream or the server changed: check again before the next batch. */
  invalidate(): void;
  close(): Promise<void>;
}

/** NATS subject matching: `*` is one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const wanted = pattern.split(".");
  const tokens = subject.split(".");
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === ">") return tokens.length > i;
    if (i >= tokens.length || (wanted[i] !== "*" && wanted[i] !== tokens[i])) return false;
  }
  return wanted.length === tokens.length;
}

/** Where NATS is, without the credentials a URL may carry: for logs. */
export function safeServer(url: string) {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "an unparsable URL";
  }
}

/**
 * The NATS clients, loaded with the first connection: a copy without NATS_URL never builds a
 * publisher, and one with it connects before its first publish.
 */
async function loadNatsClients() {
  const [transport, jetStream] = await Promise.all([import("@nats-io/transport-node"), import("@nats-io/jetstream")]);
  return { ...transport, ...jetStream };
}
type NatsClients = Awaited<ReturnType<typeof loadNatsClients>>;

export function createNatsPublisher(options: PublisherOptions): EventPublisher {
  const { logger, timeoutMs } = options;
  let nats: NatsClients | undefined;
  let connection: NatsConnection | undefined;
  let connecting: Promise<NatsConnection> | undefined;
  let client: JetStreamClient | undefined;
  let streamChecked = false;
  /** False while the client reconnects: a batch then fails at once instead of waiting for its acks to time out. */
  let reachable = false;

  /** The clients `open()` loaded; everything else that uses them runs after it. */
  function clients(): NatsClients {
    if (!nats) throw new Error("the NATS clients are not loaded: not connected to NATS");
    return nats;
  }

  async function open(): Promise<NatsConnection> {
    nats ??= await loadNatsClients();
    const opened = await nats.connect({
      servers: options.url,
      name: "signup-service",
      timeout: timeoutMs,
      // Once connected the client reconnects by itself, for ever; the relay's backoff covers the first connect.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
    });
    reachable = true;
    void (async () => {
      for await (const status of opened.status()) {
        if (status.type === "disconnect") {
          reachable = false;
          logger.warn({ server: safeServer(options.url) }, "NATS disconnected; reconnecting");
        }
        if (status.type === "reconnect") {
          reachable = true;
          logger.info({ server: safeServer(options.url) }, "NATS reconnected");
        }
      }
    })();
    logger.info({ server: safeServer(options.url) }, "connected to NATS");
    return opened;
  }

  async function ensureStream(nc: NatsConnection) {
    const { jetstreamManager, nanos, JetStreamApiError, JetStreamApiCodes } = clients();
    const manager = await jetstreamManager(nc, { timeout: timeoutMs });
    const window = nanos(options.duplicateWindowMs);
    try {
      const { config } = await manager.streams.info(options.stream);
      const subjects = config.subjects ?? [];
      const covered = subjects.some((pattern) => subjectMatches(pattern, options.subject));
      if (!covered || config.duplicate_window < window) {
        await manager.streams.update(options.stream, {
          subjects: covered ? subjects : [...subjects, options.subject],
          duplicate_window: Math.max(config.duplicate_window, window),
        });
        logger.info({ stream: options.stream, subject: options.subject }, "event stream updated");
      }
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      // Adding a stream that another copy has just added with the same configuration succeeds.
      await manager.streams.add({ name: options.stream, subjects: [options.subject], duplicate_window: window });
      logger.info({ stream: options.stream, subject: options.subject }, "event stream created");
    }
  }

  return {
    async ready() {
      if (!connection || connection.isClosed()) {
        connecting ??= open().finally(() => {
          connecting = undefined;
        });
        connection = await connecting;
        client = clients().jetstream(connection, { timeout: timeoutMs });
        streamChecked = false;
      }
      if (!reachable) throw new Error("NATS is not reachable; the client is reconnecting");
      if (!streamChecked) {
        await ensureStream(connection);
        streamChecked = true;
      }
    },
    async publish(id, payload) {
      if (!client) throw new Error("not connected to NATS");
      const messageHeaders = clients().headers();
      messageHeaders.set("Content-Type", CLOUDEVENTS_CONTENT_TYPE);
      const ack = await client.publish(options.subject, payload, { msgID: id, headers: messageHeaders, timeout: timeoutMs });
      return { duplicate: ack.duplicate };
    },
    invalidate() {
      streamChecked = false;
    },
    async close() {
      const closing = connection;
      connection = undefined;
      client = undefined;
      reachable = false;
      await closing?.close();
    },
  };
}
