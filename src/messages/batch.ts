import { sql } from "drizzle-orm";
import { type Database, embeddedClient } from "../db/client.js";
import { keyCount } from "../db/key-hash.js";
import {
  BatchBuilder,
  decodeBatch,
  oneLine,
  Search,
  type StringTable,
  TEMPLATE_FIELDS,
  type Templates,
} from "./codec.js";
import type { MessageEntry } from "./log.js";

/**
 * How a flush of the log is stored (db/schema/messages.ts): one row, its
 * entries as one text (codec.ts: each distinct string and each kind of
 * exchange once, entries as arrays of indexes and numbers), and the
 * distinct search keys of all of them: the ids' pending for the id index
 * (id-index.ts), the others in the row.
 */
export { ENTRY_FIELDS } from "./codec.js";

/**
 * Entries of one batch have positions `seq * POSITIONS + index`: one
 * whole number orders the whole log (the API's cursor). A batch holds
 * fewer entries than this (see ENTRIES_PER_BATCH in log.ts).
 */
export const POSITIONS = 10_000;

/** The search keys: one letter and the value, so that a value of one field never matches another. */
export const key = {
  /** A message's request id; a leg's is its message's (so one key finds a message and its legs). */
  message: (id: string) => `r:${oneLine(id)}`,
  correlation: (id: string) => `c:${oneLine(id)}`,
  object: (id: string) => `o:${oneLine(id)}`,
  platform: (id: string) => `p:${id}`,
  party: (countryCode: string, partyId: string) => `q:${countryCode}/${partyId}`,
  module: (m: string) => `m:${m}`,
  status: (code: number) => `s:${code}`,
};

/** Whether a key is an id's (key.message, key.correlation): those go to the id index (id-index.ts), not GIN. */
export const isIdKey = (k: string) => k.startsWith("r:") || k.startsWith("c:");

/** Where a template holds the sender's and the receiver's party, and the status code. */
const cell = (f: (typeof TEMPLATE_FIELDS)[number]) => TEMPLATE_FIELDS.indexOf(f);
const PARTY_CELLS = [
  [cell("from_country_code"), cell("from_party_id")],
  [cell("to_country_code"), cell("to_party_id")],
] as const;
const STATUS_CELL = cell("status_code");

/**
 * The search keys of a batch besides its ids' (BatchBuilder.finish): from
 * what its string table marked and its templates.
 */
function tableKeys(s: StringTable, templates: Templates): string[] {
  const keys: string[] = [];
  s.search.forEach((bits, i) => {
    if (bits === 0) return;
    const v = s.list[i] as string;
    if (bits & Search.object) keys.push(key.object(v));
    if (bits & Search.platform) keys.push(key.platform(v));
    if (bits & Search.module) keys.push(key.module(v));
  });
  const text = (cell: number | null | undefined) =>
    cell === null || cell === undefined ? undefined : (s.list[cell] as string);
  for (const t of templates.list) {
    for (const [cc, pid] of PARTY_CELLS) {
      const countryCode = text(t[cc]);
      const partyId = text(t[pid]);
      if (countryCode !== undefined && partyId !== undefined)
        keys.push(key.party(countryCode, partyId));
    }
    const code = t[STATUS_CELL];
    if (code !== null && code !== undefined) keys.push(key.status(code));
  }
  // Two ids may read alike once their newlines are spaces; templates share parties and codes.
  return [...new Set(keys)];
}

/** What a written batch carries: its search keys in the GIN index, and its ids for the id index. */
export interface Written {
  keys: number;
  ids: number;
}

/** Writes entries as one batch row. */
export function writeBatch(db: Database, entries: readonly MessageEntry[]): Promise<Written> {
  const batch = new BatchBuilder();
  for (const e of entries) batch.add(e);
  return writeBuilt(db, batch);
}

const decoder = new TextDecoder();

/**
 * Writes a filled batch as one row, and its ids' keys as a pending row of
 * the id index (id-index.ts), in one statement: both or neither.
 */
export async function writeBuilt(db: Database, batch: BatchBuilder): Promise<Written> {
  const { text, keys, ids } = batch.finish(tableKeys(batch.strings, batch.templates));
  const firstAt = new Date(batch.first).toISOString();
  const lastAt = new Date(batch.last).toISOString();
  const written = { keys: keyCount(keys), ids: keyCount(ids) };
  const embedded = embeddedClient(db);
  if (embedded !== undefined) {
    // Copies, handed to the database's thread: the batch's bytes are its sinks', which later batches reuse.
    await embedded.binary(INSERT_BATCH, [
      firstAt,
      lastAt,
      batch.count,
      { hashLines: new Uint8Array(keys) },
      new Uint8Array(text),
      { hashLines: new Uint8Array(ids) },
    ]);
    return written;
  }
  await db.execute(sql`
    with batch as (
      insert into message_batches (first_at, last_at, count, keys, entries)
      values (${firstAt}::timestamptz, ${lastAt}::timestamptz,
        ${batch.count}, ${hashedKeyLines(decoder.decode(keys))}, ${decoder.decode(text)})
      returning seq)
    insert into message_id_pending (seq, ids)
    select seq, ${hashedKeyLines(decoder.decode(ids))} from batch`);
  return written;
}

/**
 * Moves the keys waiting in the GIN index's pending list into the index
 * proper. PostgreSQL does this itself once the list passes
 * gin_pending_list_limit (4 MB), inside the insert that crossed it: on
 * PGlite, which runs one statement at a time, every statement then waited
 * about half a second behind it (when PGlite ran in the hub's thread,
 * forwarding too). The log calls this on PGlite after every
 * MERGE_EVERY_KEYS keys instead, a shorter stop each time
 * (docs/performance.md, "The GIN pending list merged in steps").
 */
export async function mergePendingKeys(db: Database): Promise<void> {
  await db.execute(sql`select gin_clean_pending_list('message_batches_keys'::regclass)`);
}

/** Keys written between two merges of the pending list on PGlite. */
const MERGE_EVERY_KEYS = 32_000;

/**
 * After how many written keys the log merges the pending list itself:
 * `everyKeys` on PGlite, never on PostgreSQL (its server merges in the
 * background, autovacuum among them).
 */
export function keysBetweenMerges(db: Database, everyKeys = MERGE_EVERY_KEYS): number {
  return embeddedClient(db) === undefined ? Number.POSITIVE_INFINITY : everyKeys;
}

/**
 * On PGlite a batch's keys are hashed in the database's thread
 * (db/key-hash.ts) and both long parameters go as binary, bytes the server
 * reads as they are: sent as text, PGlite counts their UTF-8 length
 * character by character in JavaScript, twice, and the server parsed and
 * hashed each key's text: about a fifth of a batch's write, encoding
 * included (docs/performance.md, "Keys hashed by the hub on PGlite").
 */
const INSERT_BATCH = `with batch as (
    insert into message_batches (first_at, last_at, count, keys, entries)
    values ($1::timestamptz, $2::timestamptz, $3::integer, $4::bigint[], $5::text)
    returning seq)
  insert into message_id_pending (seq, ids) select seq, $6::bigint[] from batch`;

/**
 * A batch's keys as the stored array of their hashes (db/schema/messages.ts),
 * computed by the database from one newline-separated text parameter, which
 * is cheaper to send and parse than an array of thousands. On PostgreSQL;
 * on PGlite the hub hashes them (INSERT_BATCH above).
 */
export const hashedKeys = (keys: readonly string[]) => hashedKeyLines(keys.join("\n"));

/** The same, of keys given a line each. */
const hashedKeyLines = (lines: string) =>
  sql`array(select hashtextextended(k, 0) from unnest(string_to_array(${lines}, E'\\n')) as k)`;

/**
 * The few keys of a search as an array of their hashes, each hashed by an
 * immutable call on its own parameter: the planner folds it into a
 * constant, weighs it against the index's statistics and takes the GIN
 * index for a rare key (a subquery's array would be unknown to it).
 */
export const searchedKeys = (keys: readonly string[]) =>
  sql`array[${sql.join(
    keys.map((k) => sql`hashtextextended(${k}, 0)`),
    sql`, `,
  )}]::bigint[]`;

/** A stored entry and its position in the log. */
export interface StoredEntry extends MessageEntry {
  position: number;
}

/** The entries of a batch row, each with its position. */
export function entriesOf(seq: number, text: string): StoredEntry[] {
  return decodeBatch(text).map((e, index) => {
    e.position = seq * POSITIONS + index;
    return e as unknown as StoredEntry;
  });
}
