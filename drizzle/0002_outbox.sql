CREATE TABLE "outbox_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"type" varchar(128) NOT NULL,
	"subject" varchar(255) NOT NULL,
	"payload" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"claimed_until" timestamp with time zone,
	"claim_token" uuid,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "outbox_events_pending_idx" ON "outbox_events" USING btree ("id") WHERE "outbox_events"."sent_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_events_sent_at_idx" ON "outbox_events" USING btree ("sent_at") WHERE "outbox_events"."sent_at" is not null;