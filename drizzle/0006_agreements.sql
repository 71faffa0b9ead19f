CREATE TABLE "agreements" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "agreements_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cpo_country_code" text NOT NULL,
	"cpo_party_id" text NOT NULL,
	"emsp_country_code" text NOT NULL,
	"emsp_party_id" text NOT NULL,
	"modules" jsonb NOT NULL,
	"status" text NOT NULL,
	"valid_from" timestamp (3) with time zone,
	"valid_until" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"changed_by" text NOT NULL,
	"changed_from" text,
	CONSTRAINT "agreements_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone NOT NULL,
	"actor" text NOT NULL,
	"address" text,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"result" text NOT NULL,
	"detail" jsonb
);
--> statement-breakpoint
CREATE INDEX "agreements_cpo_idx" ON "agreements" USING btree ("cpo_country_code","cpo_party_id");--> statement-breakpoint
CREATE INDEX "agreements_emsp_idx" ON "agreements" USING btree ("emsp_country_code","emsp_party_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target");