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
-- Frequent vacuums keep the visibility map fresh, so lists stay index-only scans under status updates.
ALTER TABLE "locations" SET (toast_tuple_target = 128, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);--> statement-breakpoint
ALTER TABLE "tariffs" SET (toast_tuple_target = 128, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);--> statement-breakpoint
-- cache_counts follows every insert, delete and change of owner or publication.
CREATE FUNCTION "locations_count"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    IF OLD.published THEN
      UPDATE "cache_counts" SET "n" = "n" - 1
        WHERE "module" = 'locations' AND "platform_id" = OLD.platform_id;
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.published THEN
      INSERT INTO "cache_counts" ("module", "platform_id", "n") VALUES ('locations', NEW.platform_id, 1)
        ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + 1;
    END IF;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "tariffs_count"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "cache_counts" SET "n" = "n" - 1
      WHERE "module" = 'tariffs' AND "platform_id" = OLD.platform_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "cache_counts" ("module", "platform_id", "n") VALUES ('tariffs', NEW.platform_id, 1)
      ON CONFLICT ("module", "platform_id") DO UPDATE SET "n" = "cache_counts"."n" + 1;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "locations_count" AFTER INSERT OR DELETE ON "locations"
  FOR EACH ROW EXECUTE FUNCTION "locations_count"();--> statement-breakpoint
CREATE TRIGGER "locations_count_moved" AFTER UPDATE OF "published", "platform_id" ON "locations"
  FOR EACH ROW WHEN (OLD.published IS DISTINCT FROM NEW.published OR OLD.platform_id IS DISTINCT FROM NEW.platform_id)
  EXECUTE FUNCTION "locations_count"();--> statement-breakpoint
CREATE TRIGGER "tariffs_count" AFTER INSERT OR DELETE ON "tariffs"
  FOR EACH ROW EXECUTE FUNCTION "tariffs_count"();--> statement-breakpoint
CREATE TRIGGER "tariffs_count_moved" AFTER UPDATE OF "platform_id" ON "tariffs"
  FOR EACH ROW WHEN (OLD.platform_id IS DISTINCT FROM NEW.platform_id)
  EXECUTE FUNCTION "tariffs_count"();
