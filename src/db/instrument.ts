import type { Spans } from "../observability/spans";

interface Executable<Result> {
  execute(placeholders?: Record<string, unknown>): Promise<Result>;
}

export type InstrumentedStatement<Result> = { execute(placeholders?: Record<string, unknown>): Promise<Result> };

/**
 * Drizzle and postgres.js have no tracing of their own: each prepared statement runs inside a
 * `db <name>` span carrying db.system and db.operation (never the parameters).
 */
export function instrument<Result>(
  spans: Spans,
  name: string,
  operation: "SELECT" | "INSERT" | "UPDATE" | "DELETE",
  statement: Executable<Result>,
): InstrumentedStatement<Result> {
  const attributes = { "db.system": "postgresql", "db.operation": operation, "db.statement.name": name };
  return { execute: (placeholders) => spans.run(`db ${name}`, attributes, () => statement.execute(placeholders)) };
}
