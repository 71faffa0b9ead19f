import { giveSink, takeSink } from "./byte-sink.js";
import type { MessageEntry } from "./log.js";

/**
 * How a batch's entries are written as text (message_batches.entries).
 *
 * Most values of a batch repeat from entry to entry: the platforms, parties,
 * modules, methods, paths and outcomes of a second of traffic. So such a
 * string is written once, in a table, and named by its index; and the
 * fields that describe the kind of exchange (TEMPLATE_FIELDS: who to whom,
 * which module, how it ended) are written once per distinct combination, a
 * template, which an entry names by its index:
 *
 *   {"v":4,"b":<epoch ms>,"e":[[entry],…],"s":[strings…],"t":[[template],…]}
 *
 * An entry is `at` as milliseconds from `b` (the first recorded entry's),
 * its template's index, then its ENTRY_CELLS: the ids only it has and its
 * bodies as JSON strings, any other string as its index in `s` (null when
 * unset; a message's `message_id` null when it is its `request_id`), a
 * number as itself. A template holds TEMPLATE_FIELDS the same way (strings
 * by index). BatchBuilder writes it.
 *
 * The entry of a forwarded request is then about 155 characters, against
 * 215 in v2 (all fields of an entry in one array) and 345 as one JSON
 * array of values per entry (v1); its three ids are most of it. The
 * database pays for every character (its parse, storage and WAL), PGlite
 * the most. Batches of the former forms (v3: every string by its index,
 * `e` last, trailing nulls left off; v2; v1) read as they are.
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
export const Search = { object: 4, platform: 8, module: 16 } as const;

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

/** What JSON.stringify would escape in a string (control characters, quote, backslash, surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes.
const ESCAPED = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * A string cell of the text: its JSON, or null. Most ids need no escape,
 * and testing for one costs half of what JSON.stringify does.
 */
const quoted = (v: string | null | undefined) =>
  v === null || v === undefined ? "null" : ESCAPED.test(v) ? JSON.stringify(v) : `"${v}"`;
/** A number cell: JSON has no NaN or infinities. */
const numeric = (v: number | null | undefined) =>
  v !== null && v !== undefined && Number.isFinite(v) ? String(v) : "null";
/**
 * A latency cell (milliseconds, to the hundredth as the log keeps them):
 * written from whole hundredths, the same text String() gives. Formatting
 * a fraction costs about 170 ns, a whole number under 10, and an entry
 * has two.
 */
export const hundredths = (v: number | null | undefined) => {
  if (v === null || v === undefined || !(v >= 0 && v < 1e12)) return numeric(v);
  const all = Math.round(v * 100);
  const whole = Math.floor(all / 100);
  const rest = all - whole * 100;
  if (rest === 0) return `${whole}`;
  if (rest % 10 === 0) return `${whole}.${rest / 10}`;
  return rest < 10 ? `${whole}.0${rest}` : `${whole}.${rest}`;
};
/** An index cell of the string table. */
const indexed = (i: number | null) => (i === null ? "null" : String(i));

/** Keys are kept newline-separated; an id with a newline gets a space. */
export const oneLine = (v: string) => (v.includes("\n") ? v.replaceAll("\n", " ") : v);

/**
 * A batch being filled, in the form it is stored (`v` 4): entries are
 * written into the batch's bytes shortly after they are recorded (log.ts
 * writes them a few hundred at a time), so that no entry object waits for
 * the flush. Entries kept until the flush outlived one or two
 * young-generation collections and were promoted, and the collector's
 * copying and marking of them was a large part of what the log cost a
 * forwarded request (docs/performance.md, "Entries written as they are
 * recorded").
 *
 * The text is `{"v":4,"b":…,"e":[[entry],…],"s":[strings…],"t":[[template],…]}`:
 * as v3, but the ids an entry alone has (its request id, its message's,
 * its correlation id and its attempt's) are written in the entry as JSON
 * strings instead of through the string table, whose map would hold each
 * of them until the flush; an entry's `at` counts from `b`, the first
 * recorded entry's. The ids' search keys (`r:` and `c:`) go as text,
 * a line each, into bytes of their own, for the id index (id-index.ts);
 * the table's and the templates' (`o:`, `p:`, `m:`, `q:`, `s:`) are named
 * when the batch is written.
 */
export class BatchBuilder {
  readonly strings = new StringTable();
  readonly templates = new Templates();
  count = 0;
  /** The earliest and latest `at` (ms). */
  first = Number.POSITIVE_INFINITY;
  last = 0;
  #base = 0;
  readonly #text = takeSink(16 * 1024);
  readonly #ids = takeSink(4 * 1024);
  #released = false;
  /** The previous entry's keyed ids: a broadcast's legs repeat their message's. */
  #lastMessage: string | null = null;
  #lastCorrelation: string | null = null;

  add(e: MessageEntry): void {
    const at = e.at.getTime();
    if (this.count === 0) this.#base = at;
    if (at < this.first) this.first = at;
    if (at > this.last) this.last = at;
    const s = this.strings;
    const own = e.message_id === e.request_id;
    // Made whole before any byte is written: the text stays JSON whatever happens.
    const row = `${this.count === 0 ? `{"v":4,"b":${at},"e":[` : ","}[${at - this.#base},${this.templates.of(e, s)},${quoted(e.request_id)},${own ? "null" : quoted(e.message_id)},${quoted(e.correlation_id)},${indexed(s.of(e.path))},${indexed(s.of(e.object_id, Search.object))},${hundredths(e.latency_ms)},${quoted(e.request_body)},${quoted(e.response_body)},${quoted(e.leg_request_id)},${hundredths(e.leg_latency_ms)}]`;
    this.#text.append(row);
    this.count++;
    if (e.message_id !== this.#lastMessage) {
      this.#lastMessage = e.message_id;
      this.#ids.append(`r:${oneLine(e.message_id)}\n`);
    }
    const correlation = e.correlation_id;
    if (correlation !== null && correlation !== this.#lastCorrelation) {
      this.#lastCorrelation = correlation;
      this.#ids.append(`c:${oneLine(correlation)}\n`);
    }
  }

  /**
   * Completes the batch, once, after its last entry: the stored text, the
   * search keys `more` and the ids' keys, all as UTF-8 bytes, the keys a
   * line each.
   */
  finish(more: readonly string[]): { text: Uint8Array; keys: Uint8Array; ids: Uint8Array } {
    const strings = JSON.stringify(this.strings.list);
    this.#text.append(`],"s":${strings},"t":${JSON.stringify(this.templates.list)}}`);
    const ids = this.#ids.bytes();
    // Each id's line ends with a newline; the last one is dropped.
    const end = ids.length > 0 && ids[ids.length - 1] === NEWLINE ? ids.length - 1 : ids.length;
    return {
      text: this.#text.bytes(),
      keys: encoder.encode(more.join("\n")),
      ids: ids.subarray(0, end),
    };
  }

  /**
   * Hands its sinks on to later batches, once what finish() answered has
   * been written: its bytes are then another batch's. Optional; a batch
   * not released is collected as any object.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    giveSink(this.#text);
    giveSink(this.#ids);
  }
}

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

type Batch =
  | unknown[][]
  | { v: 2; b: number; s: string[]; e: Cell[][] }
  | { v: 3 | 4; b: number; s: string[]; t: Cell[][]; e: (Cell | string)[][] };

/** A batch's entries as fields by name, from any form of the text. */
export function decodeBatch(text: string): Record<string, unknown>[] {
  const parsed = JSON.parse(text) as Batch;
  if (Array.isArray(parsed)) return parsed.map(plainEntry);
  if (parsed.v === 2) return parsed.e.map((row) => tableEntry(parsed.b, parsed.s, row));
  const { b, s, t, e } = parsed;
  // v4 writes an entry's own ids as strings, any other string as its index in `s`.
  const string = (cell: Cell | string | undefined) =>
    cell === null || cell === undefined
      ? null
      : typeof cell === "string"
        ? cell
        : (s[cell] ?? null);
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
