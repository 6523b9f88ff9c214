-- UNLOGGED: no WAL per limited request, and never replicated; a crash empties it (it only forgets who was limited).
CREATE UNLOGGED TABLE "rate_limit_buckets" (
	"scope" varchar(64) NOT NULL,
	"client" varchar(64) NOT NULL,
	"theoretical_arrival" timestamp with time zone NOT NULL,
	"allowed" boolean NOT NULL,
	CONSTRAINT "rate_limit_buckets_scope_client_pk" PRIMARY KEY("scope","client")
);
--> statement-breakpoint
CREATE INDEX "rate_limit_buckets_theoretical_arrival_idx" ON "rate_limit_buckets" USING btree ("theoretical_arrival");