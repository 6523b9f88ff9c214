import type { Spans } from "../observability/spans";
import { driverError } from "./errors";

const rethrowDriverError = (error: unknown): never => {
  throw driverError(error);
};

interface Executable<Result> {
  execute(placeholders?: Record<string, unknown>): Promise<Result>;
}

export type InstrumentedStatement<Result> = { execute(placeholders?: Record<string, unknown>): Promise<Result> };

/**
 * Drizzle and postgres.js have no tracing of their own: each prepared statement runs inside a
 * `db <name>` span carrying db.system and db.operation (never the parameters). Errors leave as
 * the driver's own, without Drizzle's message that quotes the parameters.
 */
export function instrument<Result>(
  spans: Spans,
  name: string,
  operation: "SELECT" | "INSERT" | "UPDATE" | "DELETE",
  statement: Executable<Result>,
): InstrumentedStatement<Result> {
  const attributes = { "db.system": "postgresql", "db.operation": operation, "db.statement.name": name };
  const spanName = `db ${name}`;
  const execute = (placeholders?: Record<string, unknown>) => statement.execute(placeholders).catch(rethrowDriverError);
  return { execute: (placeholders) => spans.run(spanName, attributes, () => execute(placeholders)) };
}
