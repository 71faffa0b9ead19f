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
  /** The cells of the template found last, untrimmed: traffic runs in streaks of one kind. */
  #last: Cell[] = [];
  #lastIndex = -1;

  /** The index of the template of `e`, whose strings are added to `s`. */
  of(e: MessageEntry, s: StringTable): number {
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
    if (this.#lastIndex !== -1 && sameCells(cells, this.#last)) return this.#lastIndex;
    const key = cells.join();
    let i = this.#index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.#index.set(key, i);
      this.list.push(trimmed([...cells]));
    }
    this.#last = cells;
    this.#lastIndex = i;
    return i;
  }
}

function sameCells(a: readonly Cell[], b: readonly Cell[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Cells without their trailing nulls. */
function trimmed(cells: Cell[]): Cell[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === null) end--;
  cells.length = end;
  return cells;
}

/** The cells of an entry's row (see above): `at`, its template, then ENTRY_CELLS. */
const ROW_CELLS = 2 + 10;

/**
 * A batch being encoded as its entries are recorded, so that the log holds
 * what it will write, not the entries: a table of strings, the templates,
 * and the rows' cells in one typed array outside the JavaScript heap (null
 * as NaN). An entry object then lives no longer than the request that
 * made it, and the collector never copies or promotes the log's buffer.
 */
export class BatchBuilder {
  readonly strings = new StringTable();
  readonly templates = new Templates();
  /** The entries' earliest and latest `at` (epoch ms). */
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  count = 0;
  /** `at` of a row is counted from this: the first recorded entry's. */
  #base = 0;
  readonly #cells: Float64Array;

  constructor(readonly capacity: number) {
    this.#cells = new Float64Array(capacity * ROW_CELLS);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /**
   * Adds an entry. Field by field rather than a loop over the field lists:
   * it runs once per logged request, and named property reads are what
   * keeps it cheap. Correlation and object ids and the message's request id
   * are marked for the search keys (platforms and modules by its template).
   */
  add(e: MessageEntry): void {
    const s = this.strings;
    const at = e.at.getTime();
    if (this.count === 0) this.#base = at;
    if (at < this.first) this.first = at;
    if (at > this.last) this.last = at;
    const own = e.message_id === e.request_id;
    const c = this.#cells;
    let i = this.count * ROW_CELLS;
    c[i++] = at - this.#base;
    c[i++] = this.templates.of(e, s);
    c[i++] = cell(s.of(e.request_id, own ? Search.message : 0));
    c[i++] = own ? Number.NaN : cell(s.of(e.message_id, Search.message));
    c[i++] = cell(s.of(e.correlation_id, Search.correlation));
    c[i++] = cell(s.of(e.path));
    c[i++] = cell(s.of(e.object_id, Search.object));
    c[i++] = e.latency_ms;
    c[i++] = cell(s.of(e.request_body));
    c[i++] = cell(s.of(e.response_body));
    c[i++] = cell(s.of(e.leg_request_id));
    c[i] = cell(e.leg_latency_ms);
    this.count++;
  }

  /** The text of the batch: the tables and the entries (see above). */
  text(): string {
    const rows: Cell[][] = new Array(this.count);
    const c = this.#cells;
    for (let r = 0; r < this.count; r++) {
      const row: Cell[] = new Array(ROW_CELLS);
      const at = r * ROW_CELLS;
      for (let i = 0; i < ROW_CELLS; i++) {
        const v = c[at + i] as number;
        row[i] = Number.isNaN(v) ? null : v;
      }
      rows[r] = trimmed(row);
    }
    return `{"v":3,"b":${this.#base},"s":${JSON.stringify(this.strings.list)},"t":${JSON.stringify(this.templates.list)},"e":${JSON.stringify(rows)}}`;
  }
}

/** A cell as the typed array holds it: null as NaN. */
const cell = (v: number | null | undefined) => (v === null || v === undefined ? Number.NaN : v);

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
