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
 * NDJSON on stdout, written synchronously in-process: pino's worker-thread transports do not
 * survive `bun build --compile`. (The access log has its own writer: observability/access-log.ts.)
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ sync: true })): Logger {
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
