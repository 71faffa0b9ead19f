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
CREATE INDEX "locations_location_id_idx" ON "locations" USING btree ("location_id");--> statement-breakpoint
CREATE INDEX "locations_last_updated_idx" ON "locations" USING btree ("last_updated");--> statement-breakpoint
CREATE INDEX "locations_platform_idx" ON "locations" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "tariffs_tariff_id_idx" ON "tariffs" USING btree ("tariff_id");--> statement-breakpoint
CREATE INDEX "tariffs_last_updated_idx" ON "tariffs" USING btree ("last_updated");--> statement-breakpoint
CREATE INDEX "tariffs_platform_idx" ON "tariffs" USING btree ("platform_id");--> statement-breakpoint
-- Documents go out of line, so updates of the narrow columns (last_updated, refreshed_at) do not copy them.
ALTER TABLE "locations" SET (toast_tuple_target = 128);--> statement-breakpoint
ALTER TABLE "tariffs" SET (toast_tuple_target = 128);
