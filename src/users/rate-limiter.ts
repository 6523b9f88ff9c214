/** Buckets idle this long are full again and can be forgotten. */
const IDLE_MS = 60_000;
const SWEEP_EVERY = 10_000;

/**
 * Token bucket per client: `perMinute` tokens, refilled continuously. `take` answers how many
 * seconds the client must wait (0 when a token was taken). Memory is bounded by forgetting
 * clients idle for a minute, whose buckets would be full anyway.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private readonly perMs: number;
  private calls = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perMs = perMinute / 60_000;
  }

  take(client: string): number {
    const now = this.now();
    if (++this.calls % SWEEP_EVERY === 0) this.forgetIdle(now);
    const bucket = this.buckets.get(client) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.perMs);
    bucket.updatedAt = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  private forgetIdle(now: number) {
    for (const [client, bucket] of this.buckets) if (now - bucket.updatedAt > IDLE_MS) this.buckets.delete(client);
  }
}

/** The socket's address, or the first X-Forwarded-For hop when the service sits behind a trusted proxy. */
export function clientAddress(request: Request, socketAddress: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",", 1)[0]?.trim();
    if (forwarded) return forwarded;
  }
  return socketAddress ?? "unknown";
}
