ALTER TABLE "message_batches" ADD COLUMN "key_hashes" bigint[];--> statement-breakpoint
UPDATE "message_batches" SET "key_hashes" = array(select hashtextextended(k, 0) from unnest("keys") as k);--> statement-breakpoint
DROP INDEX "message_batches_keys";--> statement-breakpoint
ALTER TABLE "message_batches" DROP COLUMN "keys";--> statement-breakpoint
ALTER TABLE "message_batches" RENAME COLUMN "key_hashes" TO "keys";--> statement-breakpoint
ALTER TABLE "message_batches" ALTER COLUMN "keys" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "message_batches_keys" ON "message_batches" USING gin ("keys");
