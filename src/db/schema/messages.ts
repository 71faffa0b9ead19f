import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * The message log (docs/messages.md), stored as one row per flush of an
 * instance's buffer: its entries (messages and legs) as one JSON text, and
 * the search keys they carry (object ids, platforms, parties, modules,
 * status codes) in one GIN-indexed array of their 64-bit hashes; their
 * request and correlation ids go to the id index (message_id_* below).
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
     * Each distinct key once, such as `o:<object id>`, `p:<platform>`
     * (messages/batch.ts), as `hashtextextended(key, 0)`: eight bytes a key
     * instead of its text. Batches written before the id index (migration
     * 0016) carry their ids' keys (`r:`, `c:`) here too. A search reads
     * the entries and compares their fields, so a hash two keys share
     * costs a batch read, never a wrong answer.
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

/** Bytes as they are; drizzle has no bytea column of its own. */
const bytea = customType<{ data: Uint8Array }>({ dataType: () => "bytea" });

/**
 * The request and correlation ids of the batches written since the last
 * fold (messages/id-index.ts), a row per batch, unindexed: a search scans
 * these few rows. Folded into a sorted run of the id index, then deleted.
 */
export const messageIdPending = pgTable("message_id_pending", {
  /** The batch's (message_batches.seq). */
  seq: bigint("seq", { mode: "number" }).primaryKey(),
  /** The ids' keys (`r:…`, `c:…`) as their hashes, like message_batches.keys. */
  ids: bigint("ids", { mode: "number" }).array().notNull(),
});

/**
 * The id index's sorted runs (messages/id-index.ts): each pairs the high
 * 32 bits of an id key's hash with the batches that carry it, sorted by
 * key, in chunks. Runs of one level are merged into one of the next.
 */
export const messageIdRuns = pgTable("message_id_runs", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  /** 0 for a fold of pending batches; a merge of runs of level n is of level n + 1. */
  level: integer("level").notNull(),
  /** The lowest and highest batch the run points to: its pairs count from `lo_seq`; retention drops it past `hi_seq`. */
  loSeq: bigint("lo_seq", { mode: "number" }).notNull(),
  hiSeq: bigint("hi_seq", { mode: "number" }).notNull(),
  pairs: integer("pairs").notNull(),
});

/** A run's pairs, a few thousand a row, found by the first key they hold. */
export const messageIdChunks = pgTable(
  "message_id_chunks",
  {
    run: bigint("run", { mode: "number" })
      .notNull()
      .references(() => messageIdRuns.id, { onDelete: "cascade" }),
    /** The lowest key of the chunk; a key is never split between two chunks. */
    firstKey: integer("first_key").notNull(),
    /** n signed 32-bit keys, then n unsigned 32-bit batch offsets from the run's lo_seq, little-endian. */
    pairs: bytea("pairs").notNull(),
  },
  (t) => [primaryKey({ columns: [t.run, t.firstKey] })],
);
