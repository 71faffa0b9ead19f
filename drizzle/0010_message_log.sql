CREATE TABLE "message_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"request_id" text NOT NULL,
	"message_id" text NOT NULL,
	"correlation_id" text,
	"module" text,
	"interface" text,
	"method" text NOT NULL,
	"path" text,
	"object_id" text,
	"from_country_code" text,
	"from_party_id" text,
	"from_platform_id" text,
	"to_country_code" text,
	"to_party_id" text,
	"to_platform_id" text,
	"http_status" integer,
	"status_code" integer,
	"latency_ms" double precision,
	"outcome" text NOT NULL,
	"leg_request_id" text,
	"leg_http_status" integer,
	"leg_status_code" integer,
	"leg_latency_ms" double precision,
	"leg_outcome" text,
	"request_body" text,
	"response_body" text
);
--> statement-breakpoint
CREATE INDEX "message_log_message" ON "message_log" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "message_log_to_platform" ON "message_log" USING btree ("to_platform_id");--> statement-breakpoint
CREATE INDEX "message_log_to_party" ON "message_log" USING btree ("to_country_code","to_party_id");--> statement-breakpoint
CREATE INDEX "message_log_at" ON "message_log" USING btree ("at") WHERE kind = 'message';--> statement-breakpoint
CREATE INDEX "message_log_correlation" ON "message_log" USING btree ("correlation_id") WHERE kind = 'message';--> statement-breakpoint
CREATE INDEX "message_log_from_platform" ON "message_log" USING btree ("from_platform_id") WHERE kind = 'message';--> statement-breakpoint
CREATE INDEX "message_log_from_party" ON "message_log" USING btree ("from_country_code","from_party_id") WHERE kind = 'message';--> statement-breakpoint
CREATE INDEX "message_log_module" ON "message_log" USING btree ("module") WHERE kind = 'message';--> statement-breakpoint
CREATE INDEX "message_log_object" ON "message_log" USING btree ("object_id") WHERE kind = 'message';--> statement-breakpoint
CREATE INDEX "message_log_status_code" ON "message_log" USING btree ("status_code") WHERE kind = 'message';