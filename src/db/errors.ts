/** Drizzle wraps driver errors in `cause`; postgres.js and PGlite both carry their code as `code`. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let depth = 0;
  // Bounded: a cause chain can loop.
  for (let current = error; current instanceof Object && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
}

export const isUniqueViolation = (error: unknown) => errorCodes(error).includes("23505");

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
]);

/** The database cannot answer right now: the client should retry, so this is a 503, not a 500. */
export const isDatabaseUnavailable = (error: unknown) =>
  errorCodes(error).some((code) => UNAVAILABLE_CODES.has(code) || code.startsWith("08"));

/**
 * What may be logged or traced about an error. Drizzle's message embeds the query parameters
 * (emails, password hashes) and a driver's `detail` quotes row values: neither leaves here.
 */
export function safeError(error: unknown): { type: string; code?: string; message: string } {
  let current = error;
  for (let depth = 0; depth < 8 && current instanceof Error && current.name === "DrizzleQueryError" && current.cause; depth++) {
    current = current.cause;
  }
  if (!(current instanceof Error)) return { type: typeof current, message: String(current) };
  const code = (current as { code?: unknown }).code;
  return { type: current.name, ...(typeof code === "string" ? { code } : {}), message: current.message };
}
