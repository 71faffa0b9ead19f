ALTER TABLE "agreements" ADD COLUMN "exchange_started_at" timestamp (3) with time zone;--> statement-breakpoint
-- ACTIVE agreements that were in force when recorded or last resumed had their exchange started then;
-- those recorded with a valid_from still ahead are left unstarted, so the hub starts them now if that
-- time has come, or when it comes.
UPDATE "agreements" SET "exchange_started_at" = "updated_at"
  WHERE "status" = 'ACTIVE' AND ("valid_from" IS NULL OR "valid_from" <= "updated_at");
