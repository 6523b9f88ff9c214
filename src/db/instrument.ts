import type { Spans } from "../observability/spans";
import { withDeadline } from "./deadline";
import { driverError, StatementTimeoutError } from "./errors";

const rethrowDriverError = (error: unknown): never => {
  throw driverError(error);
};

interface Executable<Result> {
  execute(placeholders?: Record<string, unknown>): Promise<Result>;
}

export type InstrumentedStatement<Result> = { execute(placeholders?: Record<string, unknown>): Promise<Result> };

/** What every per-request statement runs with: its span, and the longest a request waits for it. */
export interface StatementRuntime {
  spans: Spans;
  /** The wait for a pool connection plus the statement itself; past it the request gets a 503. */
  timeoutMs: number;
}

/**
 * Drizzle and postgres.js have no tracing of their own: each prepared statement runs inside a
 * `db <name>` span carrying db.system and db.operation (never the parameters). Errors leave as
 * the driver's own, without Drizzle's message that quotes the parameters. postgres.js queues a
 * statement without limit while its pool is busy (or a pooler never answers): the deadline makes
 * every wait bounded.
 */
export function instrument<Result>(
  runtime: StatementRuntime,
  name: string,
  operation: "SELECT" | "INSERT" | "UPDATE" | "DELETE",
  statement: Executable<Result>,
): InstrumentedStatement<Result> {
  const attributes = { "db.system": "postgresql", "db.operation": operation, "db.statement.name": name };
  const spanName = `db ${name}`;
  const { spans, timeoutMs } = runtime;
  const execute = (placeholders?: Record<string, unknown>) =>
    withDeadline(statement.execute(placeholders).catch(rethrowDriverError), timeoutMs, () => new StatementTimeoutError(name, timeoutMs));
  return { execute: (placeholders) => spans.run(spanName, attributes, () => execute(placeholders)) };
}
