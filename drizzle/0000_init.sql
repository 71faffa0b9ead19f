CREATE TABLE "client_infos" (
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"role" text NOT NULL,
	"status" text NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "client_infos_country_code_party_id_role_pk" PRIMARY KEY("country_code","party_id","role")
);
--> statement-breakpoint
CREATE TABLE "parties" (
	"id" serial PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"role" text NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"business_details" jsonb,
	CONSTRAINT "parties_role_country_party_key" UNIQUE("role","country_code","party_id")
);
--> statement-breakpoint
CREATE TABLE "platforms" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "platforms_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"version" text,
	"versions_url" text,
	"endpoints" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"outbound_token" text,
	"outbound_token_encoding" text DEFAULT 'base64' NOT NULL,
	"inbound_token_hash" text,
	"token_a_hash" text,
	"last_error" text,
	"registered_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "platforms_seq_unique" UNIQUE("seq"),
	CONSTRAINT "platforms_inbound_token_hash_unique" UNIQUE("inbound_token_hash"),
	CONSTRAINT "platforms_token_a_hash_unique" UNIQUE("token_a_hash")
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "parties" ADD CONSTRAINT "parties_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "client_infos_last_updated_idx" ON "client_infos" USING btree ("last_updated");--> statement-breakpoint
CREATE INDEX "parties_platform_idx" ON "parties" USING btree ("platform_id");