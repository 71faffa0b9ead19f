import type { MessageEntry } from "./log.js";

/**
 * How a batch's entries are written as text (message_batches.entries).
 *
 * Most values of a batch repeat from entry to entry: the platforms, parties,
 * modules, methods, paths and outcomes of the traffic of 200 ms. So every
 * string is written once, in a table, and named by its index; and the
 * fields that describe the kind of exchange (TEMPLATE_FIELDS: who to whom,
 * which module, how it ended) are written once per distinct combination, a
 * template, which an entry names by its index:
 *
 *   {"v":3,"b":<epoch ms>,"s":[strings…],"t":[[template],…],"e":[[entry],…]}
 *
 * An entry is `at` as milliseconds from `b` (the first entry's), its template's index, then
 * its ENTRY_CELLS: a string as its index in `s` (null when unset; a
 * message's `message_id` null when it is its `request_id`), a number as
 * itself; trailing nulls are left off. A template holds TEMPLATE_FIELDS the
 * same way.
 *
 * The entry of a forwarded request is then about 170 characters, against
 * 215 in the former form (v2: all fields of an entry in one array) and 345
 * as one JSON array of values per entry (v1); its three ids are most of
 * what is left. The database pays for every character (its parse, storage
 * and WAL), PGlite the most. Batches of the former forms read as they are.
 */
/** Every field of an entry, in the order of the former forms (v1, v2). */
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

/** The fields an entry's template holds, in its order. */
export const TEMPLATE_FIELDS = [
  "kind",
  "module",
  "interface",
  "method",
  "from_country_code",
  "from_party_id",
  "from_platform_id",
  "to_country_code",
  "to_party_id",
  "to_platform_id",
  "http_status",
  "status_code",
  "outcome",
  "leg_http_status",
  "leg_status_code",
  "leg_outcome",
] as const satisfies readonly (keyof MessageEntry)[];

/** The fields of an entry after `at` and its template, in its order. */
export const ENTRY_CELLS = [
  "request_id",
  "message_id",
  "correlation_id",
  "path",
  "object_id",
  "latency_ms",
  "request_body",
  "response_body",
  "leg_request_id",
  "leg_latency_ms",
] as const satisfies readonly (keyof MessageEntry)[];

/** The templates of a batch, each once. */
export class Templates {
  readonly list: Cell[][] = [];
  readonly #index = new Map<string, number>();
  /** The entry whose template was looked up last, and its index. */
  #last: MessageEntry | undefined;
  #lastIndex = 0;

  /** The index of the template of `e`, whose strings are added to `s`. */
  of(e: MessageEntry, s: StringTable): number {
    // Traffic comes in runs of one kind of exchange: most entries have the previous one's template.
    const last = this.#last;
    if (last !== undefined && sameTemplate(last, e)) return this.#lastIndex;
    this.#last = e;
    this.#lastIndex = this.#lookUp(e, s);
    return this.#lastIndex;
  }

  #lookUp(e: MessageEntry, s: StringTable): number {
    const cells: Cell[] = [
      s.of(e.kind),
      s.of(e.module, Search.module),
      s.of(e.interface),
      s.of(e.method),
      s.of(e.from_country_code),
      s.of(e.from_party_id),
      s.of(e.from_platform_id, Search.platform),
      s.of(e.to_country_code),
      s.of(e.to_party_id),
      s.of(e.to_platform_id, Search.platform),
      e.http_status,
      e.status_code,
      s.of(e.outcome),
      e.leg_http_status ?? null,
      e.leg_status_code ?? null,
      s.of(e.leg_outcome),
    ];
    const key = cells.join();
    let i = this.#index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.#index.set(key, i);
      this.list.push(trimmed(cells));
    }
    return i;
  }
}

/** Whether two entries have the same TEMPLATE_FIELDS (a missing leg field reads as null). */
function sameTemplate(a: MessageEntry, b: MessageEntry): boolean {
  return (
    a.kind === b.kind &&
    a.module === b.module &&
    a.interface === b.interface &&
    a.method === b.method &&
    a.from_country_code === b.from_country_code &&
    a.from_party_id === b.from_party_id &&
    a.from_platform_id === b.from_platform_id &&
    a.to_country_code === b.to_country_code &&
    a.to_party_id === b.to_party_id &&
    a.to_platform_id === b.to_platform_id &&
    a.http_status === b.http_status &&
    a.status_code === b.status_code &&
    a.outcome === b.outcome &&
    (a.leg_http_status ?? null) === (b.leg_http_status ?? null) &&
    (a.leg_status_code ?? null) === (b.leg_status_code ?? null) &&
    (a.leg_outcome ?? null) === (b.leg_outcome ?? null)
  );
}

/** Cells without their trailing nulls. */
function trimmed(cells: Cell[]): Cell[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === null) end--;
  cells.length = end;
  return cells;
}

/**
 * One entry as the array it is written as. Field by field rather than a
 * loop over the field lists: it runs once per logged request, and named
 * property reads are what keeps it cheap. Correlation and object ids and
 * the message's request id are marked for the search keys (platforms and
 * modules by its template).
 */
export function encodeEntry(e: MessageEntry, base: number, s: StringTable, t: Templates): Cell[] {
  return trimmed([
    e.at.getTime() - base,
    t.of(e, s),
    s.of(e.request_id, e.message_id === e.request_id ? Search.message : 0),
    e.message_id === e.request_id ? null : s.of(e.message_id, Search.message),
    s.of(e.correlation_id, Search.correlation),
    s.of(e.path),
    s.of(e.object_id, Search.object),
    e.latency_ms,
    s.of(e.request_body),
    s.of(e.response_body),
    s.of(e.leg_request_id),
    e.leg_latency_ms ?? null,
  ]);
}

/** The text of a batch: the tables and the entries (see above). */
export function batchText(base: number, s: StringTable, t: Templates, rows: Cell[][]): string {
  return `{"v":3,"b":${base},"s":${JSON.stringify(s.list)},"t":${JSON.stringify(t.list)},"e":${JSON.stringify(rows)}}`;
}

type Batch =
  | unknown[][]
  | { v: 2; b: number; s: string[]; e: Cell[][] }
  | { v: 3; b: number; s: string[]; t: Cell[][]; e: Cell[][] };

/** A batch's entries as fields by name, from any form of the text. */
export function decodeBatch(text: string): Record<string, unknown>[] {
  const parsed = JSON.parse(text) as Batch;
  if (Array.isArray(parsed)) return parsed.map(plainEntry);
  if (parsed.v === 2) return parsed.e.map((row) => tableEntry(parsed.b, parsed.s, row));
  const { b, s, t, e } = parsed;
  const string = (cell: Cell | undefined) =>
    cell === null || cell === undefined ? null : (s[cell] ?? null);
  return e.map((row) => {
    const entry: Record<string, unknown> = { at: new Date(b + (row[0] as number)) };
    const template = t[row[1] as number] ?? [];
    TEMPLATE_FIELDS.forEach((f, i) => {
      entry[f] = NUMBER_FIELDS.has(f) ? (template[i] ?? null) : string(template[i]);
    });
    ENTRY_CELLS.forEach((f, i) => {
      const cell = row[i + 2];
      entry[f] = NUMBER_FIELDS.has(f) ? (cell ?? null) : string(cell);
    });
    if (entry.message_id === null) entry.message_id = entry.request_id;
    return entry;
  });
}

/** An entry of a batch written in the former table form (v2): all its fields in ENTRY_FIELDS order. */
function tableEntry(b: number, s: string[], row: Cell[]): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  ENTRY_FIELDS.forEach((f, i) => {
    const cell = row[i] ?? null;
    if (f === "at") entry[f] = new Date(b + (cell as number));
    else if (cell === null || NUMBER_FIELDS.has(f)) entry[f] = cell;
    else entry[f] = s[cell] ?? null;
  });
  return entry;
}

/** An entry of a batch written as one JSON array of values per entry. */
function plainEntry(row: unknown[]): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  ENTRY_FIELDS.forEach((f, i) => {
    entry[f] = f === "at" ? new Date(row[i] as number) : (row[i] ?? null);
  });
  return entry;
}
