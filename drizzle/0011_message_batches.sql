CREATE TABLE "message_batches" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"first_at" timestamp (3) with time zone NOT NULL,
	"last_at" timestamp (3) with time zone NOT NULL,
	"count" integer NOT NULL,
	"keys" text[] NOT NULL,
	"entries" text NOT NULL
);
--> statement-breakpoint
DROP TABLE "message_log" CASCADE;--> statement-breakpoint
CREATE INDEX "message_batches_keys" ON "message_batches" USING gin ("keys");--> statement-breakpoint
CREATE INDEX "message_batches_last_at" ON "message_batches" USING btree ("last_at");