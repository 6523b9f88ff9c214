import pino, { type Logger } from "pino";

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
 * survive `bun build --compile`, and a buffered stream would hold lines back from the operator
 * (and lose them on a crash) for a gain the bench could not see.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ sync: true })): Logger {
  return pino(
    {
      level,
      base: { service: "signup-service" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

/**
 * The access log: one line per request, made only of fields the service builds itself (method,
 * route template, status, timing, sanitised ids), so it skips redaction, which costs more than
 * the rest of the line (measured: 6 us with it, 2.3 us without).
 */
export const accessLoggerOf = (logger: Logger): Logger => logger.child({}, { redact: { paths: [] } });
