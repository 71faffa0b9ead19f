-- A batch's entries are written once and read rarely: compress them with lz4
-- where the server has it (several times cheaper than the default pglz);
-- elsewhere (PGlite, a server built without lz4) store them uncompressed,
-- which costs less CPU than pglz on text that is mostly ids.
DO $$
BEGIN
  ALTER TABLE "message_batches" ALTER COLUMN "entries" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  ALTER TABLE "message_batches" ALTER COLUMN "entries" SET STORAGE EXTERNAL;
END
$$;
