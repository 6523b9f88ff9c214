import { DrizzleQueryError } from "drizzle-orm";

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

/** A statement (with its wait for a connection) outlived its deadline: the database is not answering in time. */
export class StatementTimeoutError extends Error {
  readonly code = "STATEMENT_TIMEOUT";
  constructor(statement: string, ms: number) {
    super(`statement ${statement} did not finish within ${ms} ms`);
    this.name = "StatementTimeoutError";
  }
}

/**
 * The row a statement returned is not the one it asked for: a driver or a pooler mixed two
 * sessions' answers up. Never answered as data; a 503, logged.
 */
export class ResultMismatchError extends Error {
  readonly code = "RESULT_MISMATCH";
  constructor(statement: string) {
    super(`statement ${statement} returned a row for another key; the connection's answers are out of step`);
    this.name = "ResultMismatchError";
  }
}

/** A connection could not be made or was lost (08xxx codes too). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // The socket's own errors, which postgres.js hands to every query sent on a connection that
  // breaks; a query written as it breaks (two statements of one signup in flight at once) can
  // also meet the destroyed stream.
  "EPIPE",
  "ECONNABORTED",
  "ENOTCONN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_SOCKET_CLOSED",
]);

/** Every reason the database cannot answer right now: the connection ones and these. */
const UNAVAILABLE_CODES = new Set([
  ...CONNECTION_CODES,
  "STATEMENT_TIMEOUT",
  "RESULT_MISMATCH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "3D000", // invalid_catalog_name: the database was dropped
  // A prepared statement missing or already there: a transaction pooler handed the session's
  // statements to another server connection (DATABASE_PREPARE=false is the setting for it).
  "26000", // invalid_sql_statement_name
  "42P05", // duplicate_prepared_statement
]);

/** A connection could not be made or was lost (not a statement's deadline, nor a desync). */
export const isConnectionFailure = (error: unknown) =>
  errorCodes(error).some((code) => CONNECTION_CODES.has(code) || code.startsWith("08"));

/** The database cannot answer right now: the client should retry, so this is a 503, not a 500. */
export const isDatabaseUnavailable = (error: unknown) =>
  errorCodes(error).some((code) => UNAVAILABLE_CODES.has(code) || code.startsWith("08"));

/**
 * The driver's own error inside Drizzle's wrapper. Drizzle's message embeds the query's
 * parameters (emails, password hashes), so the wrapper never travels further than the database layer.
 */
export function driverError(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8 && current instanceof DrizzleQueryError && current.cause; depth++) current = current.cause;
  return current;
}

/**
 * What may be logged or traced about an error: its type, code and message; never Drizzle's
 * message (it holds the parameters) nor a driver's `detail` (it quotes row values).
 */
export function safeError(error: unknown): { type: string; code?: string; message: string } {
  const current = driverError(error);
  if (current instanceof DrizzleQueryError) return { type: "DrizzleQueryError", message: "query failed" };
  if (!(current instanceof Error)) return { type: typeof current, message: String(current) };
  const code = (current as { code?: unknown }).code;
  return { type: current.name, ...(typeof code === "string" ? { code } : {}), message: current.message };
}
