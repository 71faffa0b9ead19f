import type { MessageEntry } from "./log.js";

/**
 * How a batch's entries are written as text (message_batches.entries).
 *
 * Most values of a batch repeat from entry to entry: the platforms, parties,
 * modules, methods, paths and outcomes of the traffic of 200 ms. So every
 * string is written once, in a table, and an entry names it by its index:
 *
 *   {"v":2,"b":<first at, epoch ms>,"s":[strings…],"e":[[entry],…]}
 *
 * An entry is an array of its fields in ENTRY_FIELDS order: `at` as
 * milliseconds after `b`, a string field as its index in `s` (null when
 * unset), a number as itself; trailing nulls are left off. This is a third
 * of the text of one JSON array per entry, which is what the database pays
 * for (its parse, compression and WAL), and cheaper to build. Batches
 * written before (a plain JSON array of arrays of values) are read as they
 * are.
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

/** The fields that hold numbers (all others but `at` hold strings). */
const NUMBER_FIELDS: ReadonlySet<string> = new Set([
  "http_status",
  "status_code",
  "latency_ms",
  "leg_http_status",
  "leg_status_code",
  "leg_latency_ms",
]);

/** What a string is searched by (see key in batch.ts): bits, since one value may be several. */
export const Search = { message: 1, correlation: 2, object: 4, platform: 8, module: 16 } as const;

/** The strings of a batch, each once, with what it is searched by. */
export class StringTable {
  readonly list: string[] = [];
  readonly search: number[] = [];
  readonly #index = new Map<string, number>();

  /** The index of `value` in the table (added when new), marked with `search` bits. */
  of(value: string | null | undefined, search = 0): number | null {
    if (value === null || value === undefined) return null;
    let i = this.#index.get(value);
    if (i === undefined) {
      i = this.list.length;
      this.#index.set(value, i);
      this.list.push(value);
      this.search.push(search);
    } else if (search !== 0) {
      this.search[i] = (this.search[i] as number) | search;
    }
    return i;
  }
}

type Cell = number | null;

/**
 * One entry as the array it is written as. Field by field rather than a
 * loop over ENTRY_FIELDS: it runs once per logged request, and named
 * property reads are what keeps it cheap. Platforms, correlation and object
 * ids, modules and the message's request id are marked for the search keys.
 */
export function encodeEntry(e: MessageEntry, base: number, s: StringTable): Cell[] {
  const row: Cell[] = [
    s.of(e.kind),
    e.at.getTime() - base,
    s.of(e.request_id),
    s.of(e.message_id, Search.message),
    s.of(e.correlation_id, Search.correlation),
    s.of(e.module, Search.module),
    s.of(e.interface),
    s.of(e.method),
    s.of(e.path),
    s.of(e.object_id, Search.object),
    s.of(e.from_country_code),
    s.of(e.from_party_id),
    s.of(e.from_platform_id, Search.platform),
    s.of(e.to_country_code),
    s.of(e.to_party_id),
    s.of(e.to_platform_id, Search.platform),
    e.http_status,
    e.status_code,
    e.latency_ms,
    s.of(e.outcome),
    s.of(e.request_body),
    s.of(e.response_body),
    s.of(e.leg_request_id),
    e.leg_http_status ?? null,
    e.leg_status_code ?? null,
    e.leg_latency_ms ?? null,
    s.of(e.leg_outcome),
  ];
  let end = row.length;
  while (end > 0 && row[end - 1] === null) end--;
  row.length = end;
  return row;
}

/** The text of a batch: the table and the entries (see above). */
export function batchText(base: number, s: StringTable, rows: Cell[][]): string {
  return `{"v":2,"b":${base},"s":${JSON.stringify(s.list)},"e":${JSON.stringify(rows)}}`;
}

/** A batch's entries as fields by name, from either form of the text. */
export function decodeBatch(text: string): Record<string, unknown>[] {
  const parsed = JSON.parse(text) as unknown[][] | { b: number; s: string[]; e: Cell[][] };
  if (Array.isArray(parsed)) return parsed.map(plainEntry);
  const { b, s, e } = parsed;
  return e.map((row) => {
    const entry: Record<string, unknown> = {};
    ENTRY_FIELDS.forEach((f, i) => {
      const cell = row[i] ?? null;
      if (f === "at") entry[f] = new Date(b + (cell as number));
      else if (cell === null || NUMBER_FIELDS.has(f)) entry[f] = cell;
      else entry[f] = s[cell] ?? null;
    });
    return entry;
  });
}

/** An entry of a batch written as one JSON array of values per entry. */
function plainEntry(row: unknown[]): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  ENTRY_FIELDS.forEach((f, i) => {
    entry[f] = f === "at" ? new Date(row[i] as number) : (row[i] ?? null);
  });
  return entry;
}
