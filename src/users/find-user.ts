import { Counter, Gauge, type Registry } from "prom-client";
import { isDatabaseUnavailable, ResultMismatchError, safeError } from "../db/errors";
import type { ReadReplica } from "../db/read-replica";
import { ProblemError } from "../http/problem";
import type { Logger } from "../observability/logger";
import { AdmissionGate, GateFullError } from "./admission-gate";
import type { UserView } from "./model";
import type { UserStatements } from "./statements";
import { userIdTimeMs } from "./user-id";

/** How far the clocks of the service's copies and the database may disagree. */
const CLOCK_SKEW_MS = 1000;

/** Where a read went and why: `user_reads_total{database, reason}`. */
type ReadReason = "no_replica" | "replica" | "recent_write" | "replica_down" | "replica_error";

interface UserRow {
  id: string | null;
  name: string | null;
  email: string | null;
  display_name: string | null;
  created_at: Date | null;
}

export interface UserReadsOptions {
  statements: UserStatements;
  replica?: ReadReplica;
  /** The longest a signup's statement may take: a user that got its 201 committed within this of its id's time. */
  writeTimeoutMs: number;
  /** How many just-created users may be re-read on the primary at once (and as many more queued). */
  primaryRereads: number;
  registry: Registry;
  logger: Logger;
}

/**
 * `GET /users/{id}`: the read model, from the replica when there is one, and never staler than
 * the client's own signup (read-your-writes, from any copy of the service, however far the
 * replica lags).
 *
 * A replica miss is final unless the user may be committed but not replayed yet. Users are never
 * updated, and an id's UUIDv7 time bounds its commit: a signup that answered 201 committed at
 * most `writeTimeoutMs` after its id was made. The replica reports, in the same round trip, the
 * commit time of the last transaction it replayed; a miss for an id made after that (less the
 * write timeout and clock skew) is re-read on the primary. Random or old ids (the bulk of any
 * flood of unknown ids) never reach the primary, and the few re-reads that do are bounded by a
 * gate: past it, a 503.
 */
export function createUserReads(options: UserReadsOptions) {
  const { statements, replica, logger } = options;
  const reads = new Counter({
    name: "user_reads_total",
    help: "GET /users/{id} reads by database (replica, primary) and reason (replica, no_replica, recent_write, replica_down, replica_error)",
    labelNames: ["database", "reason"] as const,
    registers: [options.registry],
  });
  if (replica) {
    new Gauge({
      name: "read_replica_up",
      help: "1 while GET /users/{id} reads the replica, 0 while the replica is down and reads go to the primary",
      registers: [options.registry],
      collect() {
        this.set(replica.up ? 1 : 0);
      },
    });
  }
  const rereads = new AdmissionGate(options.primaryRereads, options.primaryRereads);
  const rereadWindowMs = options.writeTimeoutMs + CLOCK_SKEW_MS;

  function checked(row: UserRow | undefined, id: string, statement: string): UserView | undefined {
    if (!row || row.id === null) return undefined;
    // Whatever a driver or pooler mixes up, one user's data never answers for another id.
    if (row.id !== id) throw new ResultMismatchError(statement);
    return {
      id: row.id,
      name: row.name ?? "",
      email: row.email ?? "",
      display_name: row.display_name ?? "",
      created_at: (row.created_at ?? new Date(0)).toISOString(),
    };
  }

  async function fromPrimary(id: string, reason: ReadReason) {
    reads.inc({ database: "primary", reason });
    const [row] = await statements.findUser.execute({ id });
    return checked(row, id, "find_user");
  }

  function mayNotBeReplayedYet(id: string, inRecovery: boolean, replayedUntilMs: number | null) {
    if (!inRecovery) return false;
    const createdMs = userIdTimeMs(id);
    if (createdMs === undefined || createdMs > Date.now() + CLOCK_SKEW_MS) return false;
    // In recovery but nothing replayed since it started: any recent id may be missing.
    return replayedUntilMs === null || createdMs >= replayedUntilMs - rereadWindowMs;
  }

  async function reread(id: string) {
    try {
      return await rereads.run(() => fromPrimary(id, "recent_write"));
    } catch (error) {
      if (!(error instanceof GateFullError)) throw error;
      throw new ProblemError(503, "overloaded", "Service Unavailable", "Too many reads of new users at once; retry shortly", {
        "retry-after": "1",
      });
    }
  }

  type ReplicaRow = NonNullable<Awaited<ReturnType<NonNullable<UserStatements["findUserOnReplica"]>["execute"]>>[number]>;
  type ReplicaLook = { row: ReplicaRow | undefined } | { answered: UserView | undefined };

  /** The replica's row, or the primary's answer when the replica failed. */
  async function lookOnReplica(
    id: string,
    replica: ReadReplica,
    onReplica: NonNullable<UserStatements["findUserOnReplica"]>,
  ): Promise<ReplicaLook> {
    try {
      const [row] = await onReplica.execute({ id });
      return { row };
    } catch (error) {
      if (isDatabaseUnavailable(error) && !(error instanceof ResultMismatchError)) {
        replica.markDown(error);
        return { answered: await fromPrimary(id, "replica_down") };
      }
      logger.warn({ error: safeError(error) }, "read replica query failed; answered from the primary");
      return { answered: await fromPrimary(id, "replica_error") };
    }
  }

  return async function findUser(requestedId: string): Promise<UserView | undefined> {
    const id = requestedId.toLowerCase();
    const onReplica = statements.findUserOnReplica;
    if (!replica || !onReplica) return fromPrimary(id, "no_replica");
    if (!replica.up) return fromPrimary(id, "replica_down");
    const first = await lookOnReplica(id, replica, onReplica);
    if ("answered" in first) return first.answered;
    const { row } = first;
    let user = checked(row, id, "find_user_on_replica");
    if (!user && row && mayNotBeReplayedYet(id, row.inRecovery, row.replayedUntilMs)) return reread(id);
    if (!user && row?.inRecovery) {
      // The replay time is read after the statement's snapshot was taken: a user replayed in
      // between would be judged missing against it. A second look, whose snapshot comes after
      // that time, settles it (misses only pay for it).
      const second = await lookOnReplica(id, replica, onReplica);
      if ("answered" in second) return second.answered;
      user = checked(second.row, id, "find_user_on_replica");
    }
    reads.inc({ database: "replica", reason: "replica" });
    return user;
  };
}

export type FindUser = ReturnType<typeof createUserReads>;
