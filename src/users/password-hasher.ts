import type { Config } from "../config";
import type { AdmissionGate } from "./admission-gate";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
}

type HashAlgorithm = Parameters<typeof Bun.password.hash>[1];

export function hashAlgorithmFrom(options: Config["password"]): HashAlgorithm {
  return options.algorithm === "bcrypt"
    ? { algorithm: "bcrypt", cost: options.bcryptCost }
    : { algorithm: "argon2id", memoryCost: options.argon2MemoryCost, timeCost: options.argon2TimeCost };
}

export interface HashTimings {
  /** The hash itself, handed to its thread and back. */
  hashed(seconds: number): void;
  /** The wait for a hashing slot at the gate, before it. */
  waited(seconds: number): void;
}

/** What `hash-worker.ts` is sent, and what it answers. */
export interface HashJob {
  password: string;
  algorithm: HashAlgorithm;
}
export type HashReply = { hash: string } | { error: string };

/** The hash threads' name, as `ps -T` and /proc/<pid>/task/<tid>/comm show it (the bench reads it). */
export const HASH_THREAD_NAME = "password-hash";

/** A hash thread left idle this long is ended; the next hash starts a new one (a few ms). */
const WORKER_IDLE_MS = 30_000;

interface HashThread {
  worker: Worker;
  /** The hash it runs now: a thread runs one at a time. */
  job?: { resolve(hash: string): void; reject(error: Error): void };
  idleTimer?: ReturnType<typeof setTimeout>;
  ended?: boolean;
}

/**
 * Hash threads of our own (`hash-worker.ts`, `Bun.password.hashSync`), at most one per slot of
 * the gate, started when first needed. Not `Bun.password.hash`'s pool: under the seed's
 * profile, five sets of alternated rounds against it, the signup P95's median was lower in
 * every set, by 1 to 15 ms (ARCHITECTURE.md, "The hash on threads of its own"). A thread that
 * fails or exits fails its hash and is replaced by the next one.
 */
class HashThreads {
  private readonly idle: HashThread[] = [];
  /** Threads started and not yet ended. */
  private alive = 0;

  constructor(
    private readonly workerUrl: URL,
    private readonly max: number,
  ) {}

  hash(password: string, algorithm: HashAlgorithm): Promise<string> {
    const thread = this.idle.pop() ?? this.start();
    clearTimeout(thread.idleTimer);
    return new Promise<string>((resolve, reject) => {
      thread.job = { resolve, reject };
      thread.worker.postMessage({ password, algorithm } satisfies HashJob);
    });
  }

  private start(): HashThread {
    // The gate lets at most `max` hashes run, so a thread is always idle or may be started.
    if (this.alive >= this.max) throw new Error("more hashes in flight than hash threads");
    this.alive++;
    const thread: HashThread = { worker: new Worker(this.workerUrl.href, { name: HASH_THREAD_NAME }) };
    thread.worker.unref();
    thread.worker.onmessage = ({ data }: MessageEvent<HashReply>) => {
      const { job } = thread;
      thread.job = undefined;
      this.release(thread);
      if ("hash" in data) job?.resolve(data.hash);
      else job?.reject(new Error(`password hash failed: ${data.error}`));
    };
    const fail = (reason: string) => {
      const { job } = thread;
      thread.job = undefined;
      this.end(thread);
      job?.reject(new Error(`password hash thread ${reason}`));
    };
    thread.worker.onerror = () => fail("failed");
    thread.worker.addEventListener("close", () => fail("exited"));
    return thread;
  }

  private release(thread: HashThread) {
    thread.idleTimer = setTimeout(() => this.end(thread), WORKER_IDLE_MS);
    thread.idleTimer.unref();
    this.idle.push(thread);
  }

  /** Once per thread, whichever comes first: its idle timer, its failure, its exit. */
  private end(thread: HashThread) {
    if (thread.ended) return;
    thread.ended = true;
    this.alive--;
    const at = this.idle.indexOf(thread);
    if (at >= 0) this.idle.splice(at, 1);
    clearTimeout(thread.idleTimer);
    thread.worker.terminate();
  }
}

/**
 * Hashes behind the gate, on hash threads started from `workerUrl` (`hash-worker.ts`: the
 * composition root names it, where the built binary finds it too).
 */
export function createPasswordHasher(algorithm: HashAlgorithm, gate: AdmissionGate, workerUrl: URL, timings?: HashTimings): PasswordHasher {
  const threads = new HashThreads(workerUrl, gate.limit);
  return {
    hash: (password) => {
      const queued = performance.now();
      return gate.run(async () => {
        const started = performance.now();
        timings?.waited((started - queued) / 1000);
        const hash = await threads.hash(password, algorithm);
        timings?.hashed((performance.now() - started) / 1000);
        return hash;
      });
    },
  };
}
