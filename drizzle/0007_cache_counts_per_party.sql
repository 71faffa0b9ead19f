-- cache_counts is kept per party as well as per platform, so a list filtered to a reader's roaming
-- partners totals their counts instead of counting their rows. The counts are derived data: they
-- are emptied, re-keyed and recounted from the cache tables in this one transaction.
DELETE FROM "cache_counts";--> statement-breakpoint
ALTER TABLE "cache_counts" DROP CONSTRAINT "cache_counts_module_platform_id_pk";--> statement-breakpoint
ALTER TABLE "cache_counts" ADD COLUMN "country_code" text NOT NULL;--> statement-breakpoint
ALTER TABLE "cache_counts" ADD COLUMN "party_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "cache_counts" ADD CONSTRAINT "cache_counts_module_country_code_party_id_platform_id_pk" PRIMARY KEY("module","country_code","party_id","platform_id");--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cache_count_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only locations have a published column; a query naming it is compiled for locations alone.
  IF TG_TABLE_NAME = 'locations' THEN
    INSERT INTO "cache_counts" ("module", "country_code", "party_id", "platform_id", "n")
      SELECT 'locations', country_code, party_id, platform_id, count(*) FROM changed WHERE published
        GROUP BY country_code, party_id, platform_id
      ON CONFLICT ("module", "country_code", "party_id", "platform_id")
        DO UPDATE SET "n" = "cache_counts"."n" + excluded.n;
  ELSE
    INSERT INTO "cache_counts" ("module", "country_code", "party_id", "platform_id", "n")
      SELECT coalesce(TG_ARGV[0], TG_TABLE_NAME), country_code, party_id, platform_id, count(*) FROM changed
        GROUP BY country_code, party_id, platform_id
      ON CONFLICT ("module", "country_code", "party_id", "platform_id")
        DO UPDATE SET "n" = "cache_counts"."n" + excluded.n;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cache_count_removed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'locations' THEN
    UPDATE "cache_counts" c SET "n" = c."n" - gone.n
      FROM (SELECT country_code, party_id, platform_id, count(*) AS n FROM changed WHERE published
              GROUP BY country_code, party_id, platform_id) gone
      WHERE c."module" = 'locations' AND c."country_code" = gone.country_code
        AND c."party_id" = gone.party_id AND c."platform_id" = gone.platform_id;
  ELSE
    UPDATE "cache_counts" c SET "n" = c."n" - gone.n
      FROM (SELECT country_code, party_id, platform_id, count(*) AS n FROM changed
              GROUP BY country_code, party_id, platform_id) gone
      WHERE c."module" = coalesce(TG_ARGV[0], TG_TABLE_NAME) AND c."country_code" = gone.country_code
        AND c."party_id" = gone.party_id AND c."platform_id" = gone.platform_id;
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
      WHERE "module" = counted AND "country_code" = OLD.country_code AND "party_id" = OLD.party_id
        AND "platform_id" = OLD.platform_id;
  END IF;
  IF is_now THEN
    INSERT INTO "cache_counts" ("module", "country_code", "party_id", "platform_id", "n")
      VALUES (counted, NEW.country_code, NEW.party_id, NEW.platform_id, 1)
      ON CONFLICT ("module", "country_code", "party_id", "platform_id")
        DO UPDATE SET "n" = "cache_counts"."n" + 1;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
-- A row's owning party never changes today (the owner key is the upsert's conflict target), but the
-- counts follow it if it ever does.
DROP TRIGGER "locations_count_moved" ON "locations";--> statement-breakpoint
CREATE TRIGGER "locations_count_moved" AFTER UPDATE OF "published", "platform_id", "country_code", "party_id" ON "locations"
  FOR EACH ROW WHEN (OLD.published IS DISTINCT FROM NEW.published OR OLD.platform_id IS DISTINCT FROM NEW.platform_id
    OR OLD.country_code IS DISTINCT FROM NEW.country_code OR OLD.party_id IS DISTINCT FROM NEW.party_id)
  EXECUTE FUNCTION "cache_count_moved"();--> statement-breakpoint
DROP TRIGGER "tariffs_count_moved" ON "tariffs";--> statement-breakpoint
CREATE TRIGGER "tariffs_count_moved" AFTER UPDATE OF "platform_id", "country_code", "party_id" ON "tariffs"
  FOR EACH ROW WHEN (OLD.platform_id IS DISTINCT FROM NEW.platform_id
    OR OLD.country_code IS DISTINCT FROM NEW.country_code OR OLD.party_id IS DISTINCT FROM NEW.party_id)
  EXECUTE FUNCTION "cache_count_moved"();--> statement-breakpoint
DROP TRIGGER "cached_tokens_count_moved" ON "cached_tokens";--> statement-breakpoint
CREATE TRIGGER "cached_tokens_count_moved" AFTER UPDATE OF "platform_id", "country_code", "party_id" ON "cached_tokens"
  FOR EACH ROW WHEN (OLD.platform_id IS DISTINCT FROM NEW.platform_id
    OR OLD.country_code IS DISTINCT FROM NEW.country_code OR OLD.party_id IS DISTINCT FROM NEW.party_id)
  EXECUTE FUNCTION "cache_count_moved"('tokens');--> statement-breakpoint
INSERT INTO "cache_counts" ("module", "country_code", "party_id", "platform_id", "n")
  SELECT 'locations', country_code, party_id, platform_id, count(*) FROM "locations" WHERE published
    GROUP BY country_code, party_id, platform_id;--> statement-breakpoint
INSERT INTO "cache_counts" ("module", "country_code", "party_id", "platform_id", "n")
  SELECT 'tariffs', country_code, party_id, platform_id, count(*) FROM "tariffs"
    GROUP BY country_code, party_id, platform_id;--> statement-breakpoint
INSERT INTO "cache_counts" ("module", "country_code", "party_id", "platform_id", "n")
  SELECT 'tokens', country_code, party_id, platform_id, count(*) FROM "cached_tokens"
    GROUP BY country_code, party_id, platform_id;
