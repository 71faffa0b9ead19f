CREATE TABLE "message_id_chunks" (
	"run" bigint NOT NULL,
	"first_key" integer NOT NULL,
	"pairs" "bytea" NOT NULL,
	CONSTRAINT "message_id_chunks_run_first_key_pk" PRIMARY KEY("run","first_key")
);
--> statement-breakpoint
CREATE TABLE "message_id_pending" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"ids" bigint[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_id_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"level" integer NOT NULL,
	"lo_seq" bigint NOT NULL,
	"hi_seq" bigint NOT NULL,
	"pairs" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "message_id_chunks" ADD CONSTRAINT "message_id_chunks_run_message_id_runs_id_fk" FOREIGN KEY ("run") REFERENCES "public"."message_id_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Hashes and sorted pairs do not compress: stored as they are, no attempt made.
ALTER TABLE "message_id_chunks" ALTER COLUMN "pairs" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "message_id_pending" ALTER COLUMN "ids" SET STORAGE EXTERNAL;
