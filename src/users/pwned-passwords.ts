import { ProblemError } from "../http/problem";
import type { Logger } from "../observability/logger";
import { AdmissionGate, GateFullError } from "./admission-gate";
import { type PasswordViolation, violation } from "./password-policy";

/** A padded range answer is about 40 KB; anything far beyond that is not the range protocol. */
const MAX_RANGE_BYTES = 1024 * 1024;

/**
 * Lookups run before the hash gate, so without a bound of their own a burst of signups would open
 * as many outbound connections at once. Past it a lookup fails at once, as if the API had failed.
 */
const MAX_LOOKUPS_IN_FLIGHT = 64;

export type PwnedOutcome = "breached" | "clean" | "failed_open" | "failed_closed";

export interface PwnedPasswordsOptions {
  /** Base URL of a server speaking the range protocol (`GET {url}/range/{5 hex}`). */
  url: string;
  timeoutMs: number;
  /** open: a failed lookup lets the password through; closed: the signup answers 503. */
  failureMode: "open" | "closed";
  logger: Logger;
  onOutcome: (outcome: PwnedOutcome) => void;
  /** At most this many lookups at once (64 unless given); one more fails at once, without a request. */
  maxInFlight?: number;
}

/**
 * Have I Been Pwned's k-anonymity range API: only the first 5 hex characters of the password's
 * SHA-1 leave the service, with padding requested so that the answer's size tells nothing either.
 */
export function createPwnedPasswordsCheck(options: PwnedPasswordsOptions) {
  const base = options.url.replace(/\/+$/, "");
  const limit = options.maxInFlight ?? MAX_LOOKUPS_IN_FLIGHT;
  const inFlight = new AdmissionGate(limit, 0);

  async function isBreached(password: string): Promise<boolean> {
    const digest = new Bun.CryptoHasher("sha1").update(password).digest("hex").toUpperCase();
    const prefix = digest.slice(0, 5);
    const suffix = digest.slice(5);
    const response = await fetch(`${base}/range/${prefix}`, {
      headers: { "add-padding": "true" },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok) throw new Error(`range answer ${response.status}`);
    for (const line of (await boundedText(response)).split("\n")) {
      const [candidate, count] = line.trim().split(":");
      // Padding entries have a count of 0.
      if (candidate?.toUpperCase() === suffix && Number(count) > 0) return true;
    }
    return false;
  }

  return async function check(password: string): Promise<PasswordViolation[]> {
    try {
      const breached = await inFlight.run(() => isBreached(password));
      options.onOutcome(breached ? "breached" : "clean");
      return breached ? [violation("breached", "appears in known data breaches; choose another")] : [];
    } catch (error) {
      const reason = failureReason(error, limit);
      if (options.failureMode === "open") {
        options.onOutcome("failed_open");
        options.logger.warn({ reason }, "breached-password lookup failed; password accepted without it");
        return [];
      }
      options.onOutcome("failed_closed");
      options.logger.warn({ reason }, "breached-password lookup failed; signup refused with 503");
      throw new ProblemError(503, "breach-check-unavailable", "Service Unavailable", "The password could not be checked; retry shortly", {
        "retry-after": "2",
      });
    }
  };
}

export type PwnedPasswordsCheck = ReturnType<typeof createPwnedPasswordsCheck>;

function failureReason(error: unknown, limit: number): string {
  if (error instanceof GateFullError) return `${limit} lookups already in flight`;
  if (!(error instanceof Error)) return "unknown";
  return error.name === "TimeoutError" ? "timeout" : error.message;
}

async function boundedText(response: Response): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_RANGE_BYTES) throw new Error("range answer too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
