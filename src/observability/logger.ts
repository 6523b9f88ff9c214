import pino, { type Logger } from "pino";
import { SERVICE_NAME } from "../identity";

export type { Logger };

/** Paths pino blanks wherever they appear in a log object. */
const REDACTED_PATHS = [
  "password",
  "*.password",
  "passwordHash",
  "*.passwordHash",
  "password_hash",
  "*.password_hash",
  "fingerprint",
  "*.fingerprint",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
];

/**
 * NDJSON, in-process: pino's worker-thread transports do not survive `bun build --compile`. The
 * service hands each line to its stdout at once (observability/stdout.ts), not to pino's own
 * synchronous writer, which blocks the event loop while stdout's reader takes nothing.
 */
export function createLogger(level: string, destination: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: SERVICE_NAME },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}
