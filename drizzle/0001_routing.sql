CREATE TABLE "callbacks" (
	"id" text PRIMARY KEY NOT NULL,
	"module" text NOT NULL,
	"purpose" text NOT NULL,
	"original_url" text NOT NULL,
	"sender_platform_id" text NOT NULL,
	"sender_country_code" text NOT NULL,
	"sender_party_id" text NOT NULL,
	"receiver_platform_id" text NOT NULL,
	"receiver_country_code" text NOT NULL,
	"receiver_party_id" text NOT NULL,
	"reusable" boolean DEFAULT false NOT NULL,
	"used_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cdr_links" (
	"id" text PRIMARY KEY NOT NULL,
	"emsp_platform_id" text NOT NULL,
	"emsp_country_code" text NOT NULL,
	"emsp_party_id" text NOT NULL,
	"cpo_country_code" text NOT NULL,
	"cpo_party_id" text NOT NULL,
	"url" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "route_hints" (
	"kind" text NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"object_id" text NOT NULL,
	"target_country_code" text NOT NULL,
	"target_party_id" text NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "route_hints_kind_country_code_party_id_object_id_pk" PRIMARY KEY("kind","country_code","party_id","object_id")
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"uid" text NOT NULL,
	"type" text NOT NULL,
	"valid" boolean NOT NULL,
	"last_updated" text NOT NULL,
	"seen_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "tokens_country_code_party_id_uid_type_pk" PRIMARY KEY("country_code","party_id","uid","type")
);
--> statement-breakpoint
CREATE INDEX "callbacks_expires_at_idx" ON "callbacks" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "route_hints_object_idx" ON "route_hints" USING btree ("kind","object_id");--> statement-breakpoint
CREATE INDEX "tokens_uid_idx" ON "tokens" USING btree ("uid","type");