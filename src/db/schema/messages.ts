import { bigint, bigserial, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The message log (docs/messages.md), stored as one row per flush of an
 * instance's buffer: its entries (messages and legs) as one JSON text, and
 * the search keys they carry (request, correlation and object ids,
 * platforms, parties, modules, status codes) in one GIN-indexed array of
 * their 64-bit hashes.
 * A row per entry cost an insert, a JSON record and eleven index entries
 * each; a batch costs one insert and a few keys per entry, which keeps the
 * log's cost on forwarding small. Searches find candidate batches by their
 * keys and read the entries. No foreign keys: rows outlive platforms.
 */
export const messageBatches = pgTable(
  "message_batches",
  {
    /** Newest last; with an entry's index, its position in the log (the API's cursor). */
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    /** The earliest and latest `at` of the entries: time windows and retention. */
    firstAt: timestamp("first_at", { withTimezone: true, precision: 3 }).notNull(),
    lastAt: timestamp("last_at", { withTimezone: true, precision: 3 }).notNull(),
    count: integer("count").notNull(),
    /**
     * Each distinct key once, such as `r:<request id>`, `p:<platform>`
     * (messages/batch.ts), as `hashtextextended(key, 0)`: eight bytes a key
     * instead of its text, which made most of a batch's insert cost (every
     * request brings two new ids). A search reads the entries and compares
     * their fields, so a hash two keys share costs a batch read, never a
     * wrong answer.
     */
    keys: bigint("keys", { mode: "number" }).array().notNull(),
    /** A JSON text: the batch's strings and templates once, its entries as arrays of indexes and numbers (messages/codec.ts). */
    entries: text("entries").notNull(),
  },
  (t) => [
    index("message_batches_keys").using("gin", t.keys),
    index("message_batches_last_at").on(t.lastAt),
  ],
);
