import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import type { MessageEntry } from "./log.js";

/**
 * How a flush of the log is stored (db/schema/messages.ts): one row, its
 * entries as a JSON array of arrays in ENTRY_FIELDS order (no repeated
 * field names; `at` as epoch milliseconds), and the distinct search keys
 * of all of them.
 */
export const ENTRY_FIELDS = [
  "kind",
  "at",
  "request_id",
  "message_id",
  "correlation_id",
  "module",
  "interface",
  "method",
  "path",
  "object_id",
  "from_country_code",
  "from_party_id",
  "from_platform_id",
  "to_country_code",
  "to_party_id",
  "to_platform_id",
  "http_status",
  "status_code",
  "latency_ms",
  "outcome",
  "request_body",
  "response_body",
  "leg_request_id",
  "leg_http_status",
  "leg_status_code",
  "leg_latency_ms",
  "leg_outcome",
] as const satisfies readonly (keyof MessageEntry)[];

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

/** Keys are sent newline-separated; an id with a newline (a decoded path segment may have one) gets a space. */
const oneLine = (v: string) => (v.includes("\n") ? v.replaceAll("\n", " ") : v);

function addKeys(keys: Set<string>, e: MessageEntry): void {
  keys.add(key.message(e.message_id));
  if (e.correlation_id !== null) keys.add(key.correlation(e.correlation_id));
  if (e.object_id !== null) keys.add(key.object(e.object_id));
  if (e.from_platform_id !== null) keys.add(key.platform(e.from_platform_id));
  if (e.to_platform_id !== null) keys.add(key.platform(e.to_platform_id));
  if (e.from_country_code !== null && e.from_party_id !== null) {
    keys.add(key.party(e.from_country_code, e.from_party_id));
  }
  if (e.to_country_code !== null && e.to_party_id !== null) {
    keys.add(key.party(e.to_country_code, e.to_party_id));
  }
  if (e.module !== null) keys.add(key.module(e.module));
  if (e.status_code !== null) keys.add(key.status(e.status_code));
}

/** Writes entries as one batch row. */
export async function writeBatch(db: Database, entries: readonly MessageEntry[]): Promise<void> {
  const keys = new Set<string>();
  const rows: string[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const e of entries) {
    const at = e.at.getTime();
    if (at < first) first = at;
    if (at > last) last = at;
    addKeys(keys, e);
    rows.push(JSON.stringify(ENTRY_FIELDS.map((f) => (f === "at" ? at : (e[f] ?? null)))));
  }
  // One text parameter is cheaper to send and parse than an array of thousands.
  await db.execute(sql`
    insert into message_batches (first_at, last_at, count, keys, entries)
    values (${new Date(first).toISOString()}::timestamptz, ${new Date(last).toISOString()}::timestamptz,
      ${entries.length}, string_to_array(${[...keys].join("\n")}, E'\\n'), ${`[${rows.join(",")}]`})`);
}

/** A stored entry and its position in the log. */
export interface StoredEntry extends MessageEntry {
  position: number;
}

/** The entries of a batch row, each with its position. */
export function entriesOf(seq: number, text: string): StoredEntry[] {
  const rows = JSON.parse(text) as unknown[][];
  return rows.map((row, index) => {
    const e: Record<string, unknown> = { position: seq * POSITIONS + index };
    ENTRY_FIELDS.forEach((f, i) => {
      e[f] = f === "at" ? new Date(row[i] as number) : (row[i] ?? null);
    });
    return e as unknown as StoredEntry;
  });
}
