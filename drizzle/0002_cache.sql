CREATE TABLE "cache_counts" (
	"module" text NOT NULL,
	"platform_id" text NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "cache_counts_module_platform_id_pk" PRIMARY KEY("module","platform_id")
);
--> statement-breakpoint
CREATE TABLE "cache_syncs" (
	"platform_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"instance_id" text NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"heartbeat_at" timestamp (3) with time zone NOT NULL,
	"finished_at" timestamp (3) with time zone,
	"pages" integer DEFAULT 0 NOT NULL,
	"locations" integer DEFAULT 0 NOT NULL,
	"tariffs" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"removed" integer DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "evse_statuses" (
	"location_seq" bigint NOT NULL,
	"evse_uid" text NOT NULL,
	"status" text NOT NULL,
	"last_updated" text NOT NULL,
	CONSTRAINT "evse_statuses_location_seq_evse_uid_pk" PRIMARY KEY("location_seq","evse_uid")
);
--> statement-breakpoint
CREATE TABLE "locations" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "locations_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"platform_id" text NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"location_id" text NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	"published" boolean NOT NULL,
	"refreshed_at" timestamp (3) with time zone NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "locations_owner_id_key" UNIQUE("country_code","party_id","location_id")
);
--> statement-breakpoint
CREATE TABLE "tariffs" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tariffs_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"platform_id" text NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"tariff_id" text NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	"refreshed_at" timestamp (3) with time zone NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "tariffs_owner_id_key" UNIQUE("country_code","party_id","tariff_id")
);
--> statement-breakpoint
ALTER TABLE "cache_syncs" ADD CONSTRAINT "cache_syncs_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evse_statuses" ADD CONSTRAINT "evse_statuses_location_seq_locations_seq_fk" FOREIGN KEY ("location_seq") REFERENCES "public"."locations"("seq") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tariffs" ADD CONSTRAINT "tariffs_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "locations_list_idx" ON "locations" USING btree ("seq","platform_id","last_updated") WHERE published;--> statement-breakpoint
CREATE INDEX "locations_location_id_idx" ON "locations" USING btree ("location_id");--> statement-breakpoint
CREATE INDEX "locations_last_updated_idx" ON "locations" USING btree ("last_updated");--> statement-breakpoint
CREATE INDEX "locations_platform_idx" ON "locations" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "tariffs_list_idx" ON "tariffs" USING btree ("seq","platform_id","last_updated");--> statement-breakpoint
CREATE INDEX "tariffs_tariff_id_idx" ON "tariffs" USING btree ("tariff_id");--> statement-breakpoint
CREATE INDEX "tariffs_last_updated_idx" ON "tariffs" USING btree ("last_updated");--> statement-breakpoint
CREATE INDEX "tariffs_platform_idx" ON "tariffs" USING btree ("platform_id");--> statement-breakpoint
-- Documents go out of line, so updates of the narrow columns (last_updated, refreshed_at) do not copy them.
-- Vacuums after 2 % of rows changed keep the visibility map fresh, so lists stay index-only scans under status updates.
ALTER TABLE "locations" SET (toast_tuple_target = 128, autovacuum_vacuum_scale_factor = 0.02);--> statement-breakpoint
ALTER TABLE "tariffs" SET (toast_tuple_target = 128, autovacuum_vacuum_scale_factor = 0.02);--> statement-breakpoint
-- cache_counts follows every insert and delete (once per statement: a sync inserts pages of
-- a thousand) and every change of a row's owner or publication (per row, rare).
CREATE FUNCTION "cache_count_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'locations' THEN
    INSERT INTO "cache_counts" ("module", "platform_id", "n")
      SELECT 'locations', platform_id, count(*) FROM changed WHERE published GROUP BY platform_id
      ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + excluded.n;
  ELSE
    INSERT INTO "cache_counts" ("module", "platform_id", "n")
      SELECT 'tariffs', platform_id, count(*) FROM changed GROUP BY platform_id
      ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + excluded.n;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "cache_count_removed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'locations' THEN
    UPDATE "cache_counts" c SET "n" = c."n" - gone.n
      FROM (SELECT platform_id, count(*) AS n FROM changed WHERE published GROUP BY platform_id) gone
      WHERE c."module" = 'locations' AND c."platform_id" = gone.platform_id;
  ELSE
    UPDATE "cache_counts" c SET "n" = c."n" - gone.n
      FROM (SELECT platform_id, count(*) AS n FROM changed GROUP BY platform_id) gone
      WHERE c."module" = 'tariffs' AND c."platform_id" = gone.platform_id;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "cache_count_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := true;
  is_now boolean := true;
BEGIN
  IF TG_TABLE_NAME = 'locations' THEN
    was := OLD.published;
    is_now := NEW.published;
  END IF;
  IF was THEN
    UPDATE "cache_counts" SET "n" = "n" - 1
      WHERE "module" = TG_TABLE_NAME AND "platform_id" = OLD.platform_id;
  END IF;
  IF is_now THEN
    INSERT INTO "cache_counts" ("module", "platform_id", "n") VALUES (TG_TABLE_NAME, NEW.platform_id, 1)
      ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + 1;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "locations_count_added" AFTER INSERT ON "locations"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "cache_count_added"();--> statement-breakpoint
CREATE TRIGGER "locations_count_removed" AFTER DELETE ON "locations"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "cache_count_removed"();--> statement-breakpoint
CREATE TRIGGER "locations_count_moved" AFTER UPDATE OF "published", "platform_id" ON "locations"
  FOR EACH ROW WHEN (OLD.published IS DISTINCT FROM NEW.published OR OLD.platform_id IS DISTINCT FROM NEW.platform_id)
  EXECUTE FUNCTION "cache_count_moved"();--> statement-breakpoint
CREATE TRIGGER "tariffs_count_added" AFTER INSERT ON "tariffs"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "cache_count_added"();--> statement-breakpoint
CREATE TRIGGER "tariffs_count_removed" AFTER DELETE ON "tariffs"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "cache_count_removed"();--> statement-breakpoint
CREATE TRIGGER "tariffs_count_moved" AFTER UPDATE OF "platform_id" ON "tariffs"
  FOR EACH ROW WHEN (OLD.platform_id IS DISTINCT FROM NEW.platform_id)
  EXECUTE FUNCTION "cache_count_moved"();
