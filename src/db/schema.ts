import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, primaryKey, smallint, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Write model: the only table that holds the password hash. */
export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  name: varchar("name", { length: 255 }).notNull(),
  email: varchar("email", { length: 254 }).notNull(),
  emailNormalized: varchar("email_normalized", { length: 254 }).notNull().unique("users_email_normalized_key"),
  passwordHash: text("password_hash").notNull(),
  displayName: varchar("display_name", { length: 255 }).notNull(),
  createdAt: timestamptz("created_at").notNull(),
  updatedAt: timestamptz("updated_at").notNull(),
});

/** Read model: what queries see. Written in the same statement as `users`; no hash, ever. */
export const usersRead = pgTable("users_read", {
  id: uuid("id").primaryKey(),
  name: varchar("name", { length: 255 }).notNull(),
  email: varchar("email", { length: 254 }).notNull(),
  displayName: varchar("display_name", { length: 255 }).notNull(),
  createdAt: timestamptz("created_at").notNull(),
});

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    scope: varchar("scope", { length: 64 }).notNull(),
    key: varchar("key", { length: 255 }).notNull(),
    /** HMAC-SHA256 of the canonical request body, hex; never a plain hash. */
    fingerprint: varchar("fingerprint", { length: 64 }).notNull(),
    secretVersion: smallint("secret_version").notNull(),
    state: varchar("state", { length: 16, enum: ["in_progress", "completed"] }).notNull(),
    /** Changes on every claim, so a request whose lease was taken over cannot complete it. */
    leaseToken: uuid("lease_token"),
    lockedUntil: timestamptz("locked_until"),
    responseStatus: integer("response_status"),
    /** Stored as text, not jsonb: a replay must be byte-identical and jsonb reorders keys. */
    responseBody: text("response_body"),
    responseLocation: text("response_location"),
    createdAt: timestamptz("created_at").notNull().default(sql`now()`),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.scope, table.key] }), index("idempotency_keys_expires_at_idx").on(table.expiresAt)],
);

/**
 * Signup rate limits, shared by every copy of the service on this database: one row per client
 * (GCRA: the theoretical arrival time of its next request). UNLOGGED (see the migration): a crash
 * may forget who was limited, never who signed up. Rows whose time is past are swept.
 */
export const rateLimitBuckets = pgTable(
  "rate_limit_buckets",
  {
    scope: varchar("scope", { length: 64 }).notNull(),
    client: varchar("client", { length: 64 }).notNull(),
    theoreticalArrival: timestamptz("theoretical_arrival").notNull(),
    /** Whether the request that last touched the row was let through: the one statement's answer. */
    allowed: boolean("allowed").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.scope, table.client] }),
    index("rate_limit_buckets_theoretical_arrival_idx").on(table.theoreticalArrival),
  ],
);

/**
 * Transactional outbox: one row per event, written in the same statement as the change it
 * announces, then published by the relay (src/events/). `payload` is the whole CloudEvents
 * document, built when the event happened, so the relay publishes it byte for byte. A relay
 * claims rows for `claimed_until` under its `claim_token` (no transaction held while it
 * publishes); a copy killed mid-batch leaves claims that expire and are taken again. Sent rows
 * are kept for a retention period, then pruned.
 */
export const outboxEvents = pgTable(
  "outbox_events",
  {
    /** The CloudEvents id, also the NATS `Nats-Msg-Id` (the stream drops a second copy). */
    id: uuid("id").primaryKey(),
    type: varchar("type", { length: 128 }).notNull(),
    /** The CloudEvents subject: the id of the thing the event is about. */
    subject: varchar("subject", { length: 255 }).notNull(),
    payload: text("payload").notNull(),
    createdAt: timestamptz("created_at").notNull(),
    claimedUntil: timestamptz("claimed_until"),
    claimToken: uuid("claim_token"),
    sentAt: timestamptz("sent_at"),
  },
  (table) => [
    index("outbox_events_pending_idx").on(table.id).where(sql`${table.sentAt} is null`),
    index("outbox_events_sent_at_idx").on(table.sentAt).where(sql`${table.sentAt} is not null`),
  ],
);
