// Events bench, small and bounded (about a minute): what publishing user-created events costs a
// signup, and how long an event takes from the signup's 201 to the stream.
//
//   bun bench/events.ts            (BENCH_SKIP_BUILD=1 uses dist/ as it is; BENCH_EVENTS_CHEAP_HASH=1 below)
//
// 1. Two copies of the binary, each on a fresh database of its own: events off (no NATS_URL) and
//    events on (NATS_URL, a stream of the bench's own on the local NATS, deleted at the end).
// 2. Closed-loop signups (unique email and key each) to both copies AT ONCE, 2 connections each,
//    BENCH_EVENTS_ROUNDS rounds (3) of BENCH_SECONDS (6 s): throughput and P95, median of the
//    rounds. Both sides share every moment of the machine, so load from other programs (which
//    swung alternating rounds by 2x here) hits both alike and the ratio on/off stays readable.
// 3. The seed's load on the events-on copy: open-loop 20 signups/s (50 Locust users, 1-3 s think,
//    3 signups in 4 requests) for 10 s; each event's arrival through an ordered JetStream
//    consumer, against the moment its 201 arrived: P50/P95 of 201-to-stream.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { stopChildren } from "../harness/processes";
import { waitForReady } from "../harness/service";
import { createBenchDatabase } from "./lib/database.ts";
import { log } from "./lib/log.ts";
import { startServer } from "./lib/process.ts";
import { postSignup, prepareBinary, signupJson } from "./lib/service.ts";
import { median, percentile, round } from "./lib/stats.ts";

const NATS_URL = process.env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const ROUNDS = Number(process.env.BENCH_EVENTS_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = 2;
/** BENCH_EVENTS_CHEAP_HASH=1: bcrypt cost 4, so the hash no longer hides what events cost the rest of a signup. */
const CHEAP_HASH: Record<string, string> =
  process.env.BENCH_EVENTS_CHEAP_HASH === "1" ? { PASSWORD_HASH_ALGORITHM: "bcrypt", BCRYPT_COST: "4" } : {};
const SEED_RATE = 20;
const SEED_SECONDS = 10;

const tag = `ev${Date.now()}`;
const stream = `SIGNUP_BENCH_${tag}`;
const subject = `signup.bench.${tag}.user.created`;
const workDir = mkdtempSync(join(tmpdir(), "signup-bench-events-"));
let counter = 0;

async function closedLoop(url: string, seconds: number) {
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const n = counter++;
        const started = performance.now();
        const response = await postSignup(url, `${tag}-${n}`, signupJson("Bench", `${tag}.${n}`));
        await response.arrayBuffer();
        if (response.status === 201) latencies.push(performance.now() - started);
        else failures++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / seconds, p95: percentile(latencies, 95), failures };
}

async function main() {
  const binary = await prepareBinary(workDir);
  const databases = [await createBenchDatabase(`signup_bench_${tag}_off`), await createBenchDatabase(`signup_bench_${tag}_on`)];
  const nc = await connect({ servers: NATS_URL, timeout: 2000 });
  try {
    const base = {
      PORT: "0",
      HOST: "127.0.0.1",
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      IDEMPOTENCY_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex"),
      ...CHEAP_HASH,
    };
    const off = await startServer(workDir, "events-off", [binary], { ...base, DATABASE_URL: databases[0]!.url });
    const on = await startServer(workDir, "events-on", [binary], {
      ...base,
      DATABASE_URL: databases[1]!.url,
      NATS_URL,
      EVENTS_STREAM: stream,
      EVENTS_SUBJECT: subject,
    });
    for (const server of [off, on])
      if (!(await waitForReady(server.url, { timeoutMs: 10_000, child: server }))) throw new Error("a service never became ready");

    await Promise.all([closedLoop(off.url, 1), closedLoop(on.url, 1)]);
    const rounds: { off: Awaited<ReturnType<typeof closedLoop>>; on: Awaited<ReturnType<typeof closedLoop>> }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [offRound, onRound] = await Promise.all([closedLoop(off.url, SECONDS), closedLoop(on.url, SECONDS)]);
      rounds.push({ off: offRound, on: onRound });
      log(
        `round ${i + 1}: off ${round(offRound.perSecond, 1)}/s P95 ${round(offRound.p95, 1)} ms; on ${round(onRound.perSecond, 1)}/s P95 ${round(onRound.p95, 1)} ms`,
      );
    }

    // 201-to-stream under the seed's load: an ordered consumer sees each message once stored.
    const manager = await jetstreamManager(nc);
    const startSeq = (await manager.streams.info(stream)).state.last_seq + 1;
    const arrivals = new Map<string, number>();
    const consumer = await jetstream(nc).consumers.get(stream, { opt_start_seq: startSeq, deliver_policy: DeliverPolicy.StartSequence });
    const messages = await consumer.consume();
    void (async () => {
      for await (const message of messages) arrivals.set((message.json() as { subject: string }).subject, performance.now());
    })();
    const created = new Map<string, number>();
    const sends: Promise<void>[] = [];
    const started = performance.now();
    for (let i = 0; i < SEED_RATE * SEED_SECONDS; i++) {
      const wait = started + (i * 1000) / SEED_RATE - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      const n = counter++;
      sends.push(
        postSignup(on.url, `${tag}-${n}`, signupJson("Seed", `${tag}.${n}`)).then(async (response) => {
          const at = performance.now();
          if (response.status === 201) created.set(((await response.json()) as { id: string }).id, at);
        }),
      );
    }
    await Promise.all(sends);
    const deadline = performance.now() + 10_000;
    while ([...created.keys()].some((id) => !arrivals.has(id)) && performance.now() < deadline) await Bun.sleep(50);
    await messages.close();
    const toStream = [...created].map(([id, at]) => (arrivals.get(id) ?? Infinity) - at).sort((a, b) => a - b);

    const summary = {
      hash: CHEAP_HASH.PASSWORD_HASH_ALGORITHM ? "bcrypt cost 4" : "argon2id default",
      rounds: ROUNDS,
      seconds: SECONDS,
      connectionsEach: CONNECTIONS,
      off: {
        signupsPerSecond: round(median(rounds.map((r) => r.off.perSecond)), 1),
        p95Ms: round(median(rounds.map((r) => r.off.p95)), 1),
      },
      on: { signupsPerSecond: round(median(rounds.map((r) => r.on.perSecond)), 1), p95Ms: round(median(rounds.map((r) => r.on.p95)), 1) },
      throughputRatio: round(median(rounds.map((r) => r.on.perSecond / r.off.perSecond)), 3),
      failures: rounds.reduce((total, r) => total + r.off.failures + r.on.failures, 0),
      seedLoad: {
        rate: SEED_RATE,
        signups: created.size,
        missing: toStream.filter((ms) => !Number.isFinite(ms)).length,
        toStreamP50Ms: round(percentile(toStream, 50), 1),
        toStreamP95Ms: round(percentile(toStream, 95), 1),
      },
    };
    console.log(JSON.stringify(summary));
  } finally {
    await stopChildren(12_000);
    const manager = await jetstreamManager(nc).catch(() => undefined);
    await manager?.streams.delete(stream).catch(() => false);
    await nc.close();
    for (const database of databases) await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
