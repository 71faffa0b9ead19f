CREATE TABLE "cached_tokens" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cached_tokens_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"platform_id" text NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"uid" text NOT NULL,
	"type" text NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	"refreshed_at" timestamp (3) with time zone NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "cached_tokens_owner_id_key" UNIQUE("country_code","party_id","uid","type")
);
--> statement-breakpoint
ALTER TABLE "cached_tokens" ADD CONSTRAINT "cached_tokens_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cached_tokens_list_idx" ON "cached_tokens" USING btree ("seq","platform_id","last_updated");--> statement-breakpoint
CREATE INDEX "cached_tokens_last_updated_idx" ON "cached_tokens" USING btree ("last_updated");--> statement-breakpoint
CREATE INDEX "cached_tokens_platform_idx" ON "cached_tokens" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "cached_tokens_uid_idx" ON "cached_tokens" USING btree ("uid","type");--> statement-breakpoint
CREATE INDEX "cached_tokens_visual_number_idx" ON "cached_tokens" USING btree (("data"->>'visual_number'));--> statement-breakpoint
CREATE INDEX "cached_tokens_group_id_idx" ON "cached_tokens" USING btree (upper("data"->>'group_id'));--> statement-breakpoint
CREATE INDEX "locations_unpublished_idx" ON "locations" USING btree ("seq") WHERE not published;--> statement-breakpoint
-- Nothing to backfill: the hub kept no token contents before; the cache fills with the next pushes.
-- cache_counts counts tokens too: the trigger functions take the module's name as their argument
-- (the table's name when none is given, as for locations and tariffs).
ALTER TABLE "cached_tokens" SET (toast_tuple_target = 128, autovacuum_vacuum_scale_factor = 0.02);--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cache_count_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'locations' THEN
    INSERT INTO "cache_counts" ("module", "platform_id", "n")
      SELECT 'locations', platform_id, count(*) FROM changed WHERE published GROUP BY platform_id
      ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + excluded.n;
  ELSE
    INSERT INTO "cache_counts" ("module", "platform_id", "n")
      SELECT coalesce(TG_ARGV[0], TG_TABLE_NAME), platform_id, count(*) FROM changed GROUP BY platform_id
      ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + excluded.n;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cache_count_removed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'locations' THEN
    UPDATE "cache_counts" c SET "n" = c."n" - gone.n
      FROM (SELECT platform_id, count(*) AS n FROM changed WHERE published GROUP BY platform_id) gone
      WHERE c."module" = 'locations' AND c."platform_id" = gone.platform_id;
  ELSE
    UPDATE "cache_counts" c SET "n" = c."n" - gone.n
      FROM (SELECT platform_id, count(*) AS n FROM changed GROUP BY platform_id) gone
      WHERE c."module" = coalesce(TG_ARGV[0], TG_TABLE_NAME) AND c."platform_id" = gone.platform_id;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cache_count_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := true;
  is_now boolean := true;
  counted text := coalesce(TG_ARGV[0], TG_TABLE_NAME);
BEGIN
  IF TG_TABLE_NAME = 'locations' THEN
    was := OLD.published;
    is_now := NEW.published;
  END IF;
  IF was THEN
    UPDATE "cache_counts" SET "n" = "n" - 1
      WHERE "module" = counted AND "platform_id" = OLD.platform_id;
  END IF;
  IF is_now THEN
    INSERT INTO "cache_counts" ("module", "platform_id", "n") VALUES (counted, NEW.platform_id, 1)
      ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + 1;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "cached_tokens_count_added" AFTER INSERT ON "cached_tokens"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "cache_count_added"('tokens');--> statement-breakpoint
CREATE TRIGGER "cached_tokens_count_removed" AFTER DELETE ON "cached_tokens"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "cache_count_removed"('tokens');--> statement-breakpoint
CREATE TRIGGER "cached_tokens_count_moved" AFTER UPDATE OF "platform_id" ON "cached_tokens"
  FOR EACH ROW WHEN (OLD.platform_id IS DISTINCT FROM NEW.platform_id)
  EXECUTE FUNCTION "cache_count_moved"('tokens');
