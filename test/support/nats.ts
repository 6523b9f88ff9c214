import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { Subprocess } from "bun";
import { freePort } from "../../harness/service";

/** Set in CI (and by .ci/run): the suites that need NATS JetStream run against it. */
export const natsUrl = process.env.TEST_NATS_URL;

const NATS_SERVER = "/usr/sbin/nats-server";

/** A stream and subject no other test uses: test streams never share messages. */
export function testStream() {
  const suffix = Bun.randomUUIDv7().replaceAll("-", "").slice(-12);
  return { EVENTS_STREAM: `SIGNUP_TEST_${suffix}`, EVENTS_SUBJECT: `signup.test.${suffix}.user.created` };
}

export interface StoredEvent {
  seq: number;
  msgId: string | undefined;
  contentType: string | undefined;
  subject: string;
  event: ReceivedEvent;
}

/** A CloudEvent as a test reads it back: the attributes it asserts, the rest unknown. */
interface ReceivedEvent {
  id: string;
  subject: string;
  traceparent?: string;
  data: Record<string, unknown>;
  [attribute: string]: unknown;
}

/** Every message of a stream, in order, with its headers and parsed JSON. */
export async function readStream(url: string, stream: string): Promise<StoredEvent[]> {
  const nc = await connect({ servers: url, timeout: 2000 });
  try {
    const manager = await jetstreamManager(nc, { timeout: 5000 });
    const info = await manager.streams.info(stream);
    const events: StoredEvent[] = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const message = await manager.streams.getMessage(stream, { seq });
      if (!message) continue;
      events.push({
        seq,
        msgId: message.header?.get("Nats-Msg-Id"),
        contentType: message.header?.get("Content-Type"),
        subject: message.subject,
        event: message.json(),
      });
    }
    return events;
  } finally {
    await nc.close();
  }
}

/** How many messages a stream holds; 0 when it does not exist yet. */
export async function streamMessageCount(url: string, stream: string): Promise<number> {
  const nc = await connect({ servers: url, timeout: 2000 });
  try {
    const manager = await jetstreamManager(nc, { timeout: 5000 });
    return (await manager.streams.info(stream)).state.messages;
  } catch {
    return 0;
  } finally {
    await nc.close();
  }
}

export async function deleteStream(url: string, stream: string) {
  const nc = await connect({ servers: url, timeout: 2000 });
  try {
    const manager = await jetstreamManager(nc, { timeout: 5000 });
    await manager.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Waits (polling, at most `timeoutMs`) until `check` is true; throws with `what` otherwise. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/**
 * A nats-server of the test's own, with JetStream, on a free port and a temporary store: a test
 * may stop and restart it (never the shared one). The store survives a restart, as in production.
 */
export function ownNatsServer() {
  const port = freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "signup-nats-"));
  let child: Subprocess | undefined;
  const url = `nats://127.0.0.1:${port}`;
  const answering = async () => {
    try {
      const nc = await connect({ servers: url, timeout: 500, reconnect: false });
      await nc.close();
      return true;
    } catch {
      return false;
    }
  };
  return {
    url,
    async start() {
      child = Bun.spawn([NATS_SERVER, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
        stdout: "ignore",
        stderr: "ignore",
      });
      await eventually("nats-server to answer", answering, 10_000);
    },
    async stop() {
      child?.kill("SIGTERM");
      await child?.exited;
      child = undefined;
    },
    async remove() {
      await this.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
