ALTER TABLE "route_hints" ADD COLUMN "platform_id" text;--> statement-breakpoint
ALTER TABLE "route_hints" ADD COLUMN "created_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "platform_id" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "first_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
UPDATE "route_hints" h SET "created_at" = h."updated_at";--> statement-breakpoint
UPDATE "route_hints" h SET "platform_id" = p."platform_id" FROM "parties" p
  WHERE h."kind" IN ('location', 'session') AND p."role" = 'CPO'
    AND p."country_code" = h."country_code" AND p."party_id" = h."party_id";--> statement-breakpoint
UPDATE "route_hints" h SET "platform_id" = p."platform_id" FROM "parties" p
  WHERE h."kind" = 'reservation' AND p."role" = 'EMSP'
    AND p."country_code" = h."country_code" AND p."party_id" = h."party_id";--> statement-breakpoint
UPDATE "route_hints" h SET "platform_id" = (SELECT p."platform_id" FROM "parties" p
    WHERE p."country_code" = h."target_country_code" AND p."party_id" = h."target_party_id"
    ORDER BY p."id" LIMIT 1)
  WHERE h."kind" = 'profile';--> statement-breakpoint
DELETE FROM "route_hints" WHERE "platform_id" IS NULL;--> statement-breakpoint
UPDATE "tokens" t SET "first_seen_at" = t."seen_at";--> statement-breakpoint
UPDATE "tokens" t SET "platform_id" = p."platform_id" FROM "parties" p
  WHERE p."role" = 'EMSP' AND p."country_code" = t."country_code" AND p."party_id" = t."party_id";--> statement-breakpoint
DELETE FROM "tokens" WHERE "platform_id" IS NULL;--> statement-breakpoint
ALTER TABLE "route_hints" ALTER COLUMN "platform_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tokens" ALTER COLUMN "platform_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "route_hints" ADD CONSTRAINT "route_hints_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "route_hints_platform_idx" ON "route_hints" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "route_hints_updated_at_idx" ON "route_hints" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "tokens_platform_idx" ON "tokens" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "tokens_seen_at_idx" ON "tokens" USING btree ("seen_at");
