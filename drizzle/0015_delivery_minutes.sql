CREATE TABLE "delivery_minutes" (
	"minute" timestamp (3) with time zone PRIMARY KEY NOT NULL,
	"delivered" bigint DEFAULT 0 NOT NULL,
	"other" bigint DEFAULT 0 NOT NULL
);
