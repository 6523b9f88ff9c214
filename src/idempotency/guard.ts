import { ResultMismatchError } from "../db/errors";
import type { Spans } from "../observability/spans";
import type { ClaimedKey, KeyLease, StoredResponse } from "./contract";
import type { Fingerprint, Fingerprinter } from "./fingerprint";
import type { IdempotencyOutcome } from "./metrics";
import { keyInProgress, keyReused } from "./problems";
import type { IdempotencyStatements } from "./store";

export interface IdempotencyGuardOptions {
  statements: IdempotencyStatements;
  fingerprinter: Fingerprinter;
  ttlMs: number;
  leaseMs: number;
  spans: Spans;
  onOutcome?: (outcome: IdempotencyOutcome) => void;
}

/** How many times a claim is retried when the record it lost to vanished before it could be read. */
const CLAIM_ATTEMPTS = 3;

/**
 * Runs a request at most once per key: claims the key, replays a completed response, refuses a
 * different payload (422) or a concurrent twin (409), and releases the claim when the execution
 * fails for a reason that is not the client's, so a retry runs again.
 */
export function createIdempotencyGuard(options: IdempotencyGuardOptions) {
  const { statements, fingerprinter, spans, onOutcome = () => {} } = options;

  /** The stored answer for this key, if any; refuses another payload (422) or a live twin (409). */
  async function lookUp(scope: string, key: string, body: unknown, fingerprint: Fingerprint): Promise<StoredResponse | undefined> {
    const [existing] = await statements.lookup.execute({ scope, key });
    if (!existing) return undefined;
    // A stored response is someone's personal data: one that answers another key (a driver or
    // pooler desync) is never replayed.
    if (existing.scope !== scope || existing.key !== key) throw new ResultMismatchError("idempotency_lookup");
    const stored = { value: existing.fingerprint, secretVersion: existing.secretVersion };
    if (!fingerprinter.matches(stored, body, fingerprint)) {
      onOutcome("mismatch");
      throw keyReused();
    }
    if (existing.state === "completed" && existing.responseStatus !== null && existing.responseBody !== null) {
      onOutcome("replayed");
      const response: StoredResponse = { status: existing.responseStatus, body: existing.responseBody };
      if (existing.responseLocation) response.location = existing.responseLocation;
      return response;
    }
    if (existing.leaseRemainingMs > 0) {
      onOutcome("in_progress");
      throw keyInProgress(
        Math.max(1, Math.ceil(existing.leaseRemainingMs / 1000)),
        "Another request with this Idempotency-Key is being processed; retry after the delay given in Retry-After",
      );
    }
    // Its owner's lease ran out: the key may be taken over.
    return undefined;
  }

  async function claimOrReplay(
    scope: string,
    key: string,
    body: unknown,
    fingerprint: Fingerprint,
    beforeClaim: () => Promise<void>,
  ): Promise<{ lease: KeyLease } | { replay: StoredResponse }> {
    // Read first: a retry of a completed request (the common case for a key) is one SELECT and
    // takes no row lock. Only an absent record, or one whose owner's lease ran out, is claimed.
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const replay = await spans.run("idempotency.lookup", {}, () => lookUp(scope, key, body, fingerprint));
      if (replay) return { replay };
      // Outside the guard's spans: what it starts is the request's own work, not part of the claim.
      if (attempt === 0) await beforeClaim();
      const leaseToken = Bun.randomUUIDv7();
      const [claimed] = await spans.run("idempotency.claim", {}, () =>
        statements.claim.execute({
          scope,
          key,
          fingerprint: fingerprint.value,
          secretVersion: fingerprint.secretVersion,
          leaseToken,
          leaseMs: options.leaseMs,
          ttlMs: options.ttlMs,
        }),
      );
      if (claimed) {
        onOutcome(claimed.tookOver ? "taken_over" : "claimed");
        return { lease: { scope, key, leaseToken } };
      }
    }
    throw new Error(`idempotency claim for ${scope} did not settle after ${CLAIM_ATTEMPTS} attempts`);
  }

  return {
    /**
     * `beforeClaim` runs once no stored answer applies, before the key is claimed: checks that a
     * replay skips (its body passed them when it was first accepted), and whose refusal must not
     * hold the key. Work it starts without awaiting runs while the key is claimed.
     */
    async run(
      scope: string,
      key: string,
      body: unknown,
      execute: (claimed: ClaimedKey) => Promise<StoredResponse>,
      beforeClaim: () => Promise<void> = async () => {},
    ): Promise<{ response: StoredResponse; replayed: boolean }> {
      const claim = await claimOrReplay(scope, key, body, fingerprinter.of(body), beforeClaim);
      if ("replay" in claim) return { response: claim.replay, replayed: true };
      const { lease } = claim;
      const claimed: ClaimedKey = {
        lease,
        async complete({ status, body: responseBody, location }) {
          await spans.run("idempotency.complete", {}, () =>
            statements.complete.execute({ ...lease, responseStatus: status, responseBody, responseLocation: location ?? null }),
          );
        },
      };
      try {
        return { response: await execute(claimed), replayed: false };
      } catch (error) {
        await statements.release.execute({ ...lease }).catch(() => {});
        onOutcome("released");
        throw error;
      }
    },
  };
}

export type IdempotencyGuard = ReturnType<typeof createIdempotencyGuard>;
