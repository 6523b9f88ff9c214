import { type AnsweredFailure, ProblemError } from "../http/problem";

/** The gate's queue is full: answered with a 503 and a short Retry-After. */
export class GateFullError extends Error implements AnsweredFailure {
  constructor() {
    super("admission gate queue is full");
  }

  answer(): ProblemError {
    return new ProblemError(503, "overloaded", "Service Unavailable", "Too many signups in progress; retry shortly", {
      "retry-after": "1",
    });
  }
}

/**
 * Runs at most `limit` tasks at once and queues at most `maxQueue` more; past that it refuses
 * at once, so an overload becomes a fast 503 instead of an unbounded backlog.
 */
export class AdmissionGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit: number,
    private readonly maxQueue: number,
  ) {}

  get inFlight() {
    return this.running;
  }

  get queued() {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxQueue) throw new GateFullError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
