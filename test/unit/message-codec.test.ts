import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { messageBatches } from "../../src/db/schema/messages.js";
import { ENTRY_FIELDS, entriesOf, hashedKeys, writeBatch } from "../../src/messages/batch.js";
import {
  BatchBuilder,
  decodeBatch,
  hundredths,
  TEMPLATE_FIELDS,
} from "../../src/messages/codec.js";
import type { MessageEntry } from "../../src/messages/log.js";
import { messageWithLegs } from "../../src/messages/store.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";
import { forwardedEntry } from "../support/message-entries.js";

/** A forwarded GET with its attempt, fixed ids and an object id with a newline. */
const message: MessageEntry = forwardedEntry({
  at: new Date("2026-12-05T10:00:00.125Z"),
  request_id: "req-1",
  message_id: "req-1",
  correlation_id: "corr-1",
  object_id: "LOC\n1",
  latency_ms: 3.27,
  leg_request_id: "leg-1",
  leg_http_status: 200,
  leg_status_code: 1000,
  leg_latency_ms: 2.11,
  leg_outcome: "success",
});

const leg: MessageEntry = {
  kind: "leg",
  at: new Date("2026-12-05T10:00:01.500Z"),
  request_id: "leg-2",
  message_id: "req-2",
  correlation_id: "corr-1",
  module: "sessions",
  interface: "receiver",
  method: "PUT",
  path: "/ocpi/2.2.1/sessions/NL/CPO/S1",
  object_id: "S1",
  from_country_code: null,
  from_party_id: null,
  from_platform_id: null,
  to_country_code: "DE",
  to_party_id: "EMS",
  to_platform_id: "plat-emsp",
  http_status: null,
  status_code: null,
  latency_ms: 0,
  outcome: "timeout",
  request_body: '{"id":"S1"}',
  response_body: null,
};

let database: TestDatabase;

beforeAll(async () => {
  database = await freshDatabase();
});

afterAll(async () => {
  await database.dispose();
});

async function batches() {
  return rowsOf<typeof messageBatches.$inferSelect>(
    await database.handle.db.select().from(messageBatches).orderBy(messageBatches.seq),
  );
}

async function lastText(): Promise<string> {
  const [row] = (await batches()).slice(-1);
  return row?.entries as string;
}

/** What an entry reads back as: every field, unset leg fields null. */
const asRead = (e: MessageEntry) => Object.fromEntries(ENTRY_FIELDS.map((f) => [f, e[f] ?? null]));

describe("a stored batch of the message log", () => {
  it("reads back every field of its entries, each with its position", async () => {
    await writeBatch(database.handle.db, [
      message,
      leg,
      { ...message, request_id: "req-3", message_id: "req-3" },
    ]);
    const [row] = (await batches()).slice(-1);
    const read = entriesOf(Number(row?.seq), row?.entries as string);
    expect(read).toHaveLength(3);
    expect(read[0]).toEqual({ ...asRead(message), position: Number(row?.seq) * 10_000 });
    expect(read[1]).toEqual({ ...asRead(leg), position: Number(row?.seq) * 10_000 + 1 });
    expect(read[2]?.request_id).toBe("req-3");
    expect(read[2]?.to_platform_id).toBe("plat-cpo");
    expect(read[1]?.at).toBeInstanceOf(Date);
  });

  it("writes each repeated string once", async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({
      ...message,
      request_id: `r${i}`,
      message_id: `r${i}`,
    }));
    await writeBatch(database.handle.db, many);
    const [row] = (await batches()).slice(-1);
    const text = row?.entries as string;
    expect(text.split("/ocpi/2.2.1/locations/sender/LOC1")).toHaveLength(2);
    expect(text.split("plat-emsp")).toHaveLength(2);
    expect(entriesOf(1, text).map((e) => e.path)).toEqual(many.map((e) => e.path));
  });

  it("carries the search keys of all its entries once each, its ids pending for the id index, as their hashes", async () => {
    await writeBatch(database.handle.db, [message, leg]);
    const expected = [
      "o:LOC 1",
      "o:S1",
      "p:plat-emsp",
      "p:plat-cpo",
      "q:DE/EMS",
      "q:NL/CPO",
      "m:locations",
      "m:sessions",
      "s:1000",
    ];
    // The leg shares the message's correlation id: written once, as it follows it.
    const ids = ["r:req-1", "c:corr-1", "r:req-2"];
    // As text: a 64-bit hash does not fit a JavaScript number exactly.
    const [row] = rowsOf<{ stored: string[]; wanted: string[]; pending: string[]; ids: string[] }>(
      await database.handle.db.execute(sql`
        select (select array_agg(h::text order by h) from unnest(b.keys) as h) as stored,
          (select array_agg(h::text order by h) from unnest(${hashedKeys(expected)}) as h) as wanted,
          (select array_agg(h::text order by h) from unnest(p.ids) as h) as pending,
          (select array_agg(h::text order by h) from unnest(${hashedKeys(ids)}) as h) as ids
        from message_batches b join message_id_pending p using (seq)
        order by seq desc limit 1`),
    );
    expect(row?.stored).toHaveLength(expected.length);
    expect(row?.stored).toEqual(row?.wanted);
    expect(row?.pending).toHaveLength(ids.length);
    expect(row?.pending).toEqual(row?.ids);
  });

  it("writes the fields every exchange of a kind shares once, as a template", async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      ...(i % 2 === 0 ? message : leg),
      request_id: `r${i}`,
      message_id: i % 2 === 0 ? `r${i}` : "req-2",
      latency_ms: i,
    }));
    await writeBatch(database.handle.db, many);
    const text = await lastText();
    const parsed = JSON.parse(text) as { v: number; t: unknown[][]; e: unknown[][] };
    expect(parsed.v).toBe(4);
    expect(parsed.t).toHaveLength(2);
    expect(new Set(parsed.e.map((row) => row[1]))).toEqual(new Set([0, 1]));
    const read = entriesOf(1, text);
    expect(read.map((e) => e.message_id)).toEqual(many.map((e) => e.message_id));
    expect(read.map((e) => e.latency_ms)).toEqual(many.map((e) => e.latency_ms));
    expect(read[1]).toEqual({ ...asRead(many[1] as MessageEntry), position: 10_001 });
  });

  it("gives an entry that differs from the one before in any shared field a template of its own", async () => {
    // Runs of one kind, then one field changed: each change must be noticed, leg fields included.
    const changed = TEMPLATE_FIELDS.map((f) => ({
      ...message,
      [f]: typeof message[f] === "number" ? 999 : f === "kind" ? "leg" : `changed ${f}`,
    }));
    const many = changed.flatMap((c, i) => [
      { ...message, request_id: `a${i}`, message_id: `a${i}` },
      { ...c, request_id: `b${i}`, message_id: `b${i}` },
      { ...c, request_id: `c${i}`, message_id: `c${i}` },
    ]);
    await writeBatch(database.handle.db, many as MessageEntry[]);
    const text = await lastText();
    const parsed = JSON.parse(text) as { t: unknown[][] };
    expect(parsed.t).toHaveLength(1 + TEMPLATE_FIELDS.length);
    const read = entriesOf(1, text);
    expect(read.map(({ position, ...e }) => e)).toEqual(many.map((e) => asRead(e as MessageEntry)));
  });

  it("keeps the time of an entry recorded after a later one, and spans both in the row's window", async () => {
    // A message is recorded when its answer is sent, with the time its request arrived: before its legs.
    const later = { ...leg, at: new Date("2026-12-05T10:00:02.000Z") };
    const earlier = { ...message, at: new Date("2026-12-05T09:59:59.250Z") };
    await writeBatch(database.handle.db, [later, earlier]);
    const [row] = (await batches()).slice(-1);
    expect(row?.firstAt.toISOString()).toBe("2026-12-05T09:59:59.250Z");
    expect(row?.lastAt.toISOString()).toBe("2026-12-05T10:00:02.000Z");
    const read = entriesOf(Number(row?.seq), row?.entries as string);
    expect(read.map((e) => e.at.toISOString())).toEqual([
      "2026-12-05T10:00:02.000Z",
      "2026-12-05T09:59:59.250Z",
    ]);
    expect(read[1]).toEqual({ ...asRead(earlier), position: Number(row?.seq) * 10_000 + 1 });
  });

  it("writes an entry's own ids in the entry, escaped, and reads them back as they were", async () => {
    const odd = {
      ...message,
      request_id: 'quote " backslash \\ ü 😀',
      message_id: 'quote " backslash \\ ü 😀',
      correlation_id: "tab\tand\u0001control",
      leg_request_id: "leg-ü",
    };
    await writeBatch(database.handle.db, [odd, { ...leg, message_id: odd.request_id }]);
    const text = await lastText();
    const parsed = JSON.parse(text) as { s: string[]; e: unknown[][] };
    expect(parsed.e[0]?.slice(2, 5)).toEqual([odd.request_id, null, odd.correlation_id]);
    expect(parsed.s).not.toContain(odd.request_id);
    const read = entriesOf(1, text);
    expect(read[0]).toEqual({ ...asRead(odd), position: 10_000 });
    expect(read[1]?.message_id).toBe(odd.request_id);
    const found = await messageWithLegs(database.handle.db, odd.request_id);
    expect(found?.legs?.map((l) => l.request_id)).toEqual(["leg-ü", "leg-2"]);
  });

  it("reads batches written with every string in the table (v3)", () => {
    const text = JSON.stringify({
      v: 3,
      b: message.at.getTime(),
      s: ["message", "locations", "sender", "GET", "req-1", "corr-1", "/p", "LOC1", "success"],
      t: [[0, 1, 2, 3, null, null, null, null, null, null, 200, 1000, 8]],
      e: [[0, 0, 4, null, 5, 6, 7, 3.27]],
    });
    expect(entriesOf(3, text)[0]).toMatchObject({
      kind: "message",
      at: message.at,
      request_id: "req-1",
      message_id: "req-1",
      correlation_id: "corr-1",
      module: "locations",
      path: "/p",
      object_id: "LOC1",
      http_status: 200,
      status_code: 1000,
      latency_ms: 3.27,
      outcome: "success",
      leg_request_id: null,
      position: 30_000,
    });
  });

  it("reads batches written in the former form, all fields of an entry in one array", () => {
    const text = JSON.stringify({
      v: 2,
      b: message.at.getTime(),
      s: ["message", "req-1", "corr-1", "locations", "sender", "GET", "/p", "LOC1", "success"],
      e: [[0, 0, 1, 1, 2, 3, 4, 5, 6, 7, null, null, null, null, null, null, 200, 1000, 3.27, 8]],
    });
    expect(entriesOf(2, text)[0]).toMatchObject({
      kind: "message",
      at: message.at,
      request_id: "req-1",
      message_id: "req-1",
      correlation_id: "corr-1",
      path: "/p",
      object_id: "LOC1",
      from_platform_id: null,
      http_status: 200,
      status_code: 1000,
      latency_ms: 3.27,
      outcome: "success",
      leg_request_id: null,
      position: 20_000,
    });
  });

  it("stores the entries' text compressed with lz4, or uncompressed where the database has no lz4", async () => {
    const [column] = rowsOf<{ attstorage: string; attcompression: string }>(
      await database.handle.db.execute(sql`
        select attstorage, attcompression::text as attcompression from pg_attribute
        where attrelid = 'message_batches'::regclass and attname = 'entries'`),
    );
    expect([column?.attcompression === "l", column?.attstorage === "e"]).toContain(true);
  });

  it("reads batches written as one JSON array of values per entry", () => {
    const values = (e: MessageEntry) =>
      ENTRY_FIELDS.map((f) => (f === "at" ? e.at.getTime() : (e[f] ?? null)));
    const text = JSON.stringify([values(message), values(leg)]);
    const read = entriesOf(7, text);
    expect(read[0]).toEqual({ ...asRead(message), position: 70_000 });
    expect(read[1]).toEqual({ ...asRead(leg), position: 70_001 });
  });

  it("builds a batch on a released batch's bytes with its own entries only, even when released twice", () => {
    const decoder = new TextDecoder();
    const built = (entries: MessageEntry[]) => {
      const b = new BatchBuilder();
      for (const e of entries) b.add(e);
      return b;
    };
    const ids = (text: Uint8Array) => decodeBatch(decoder.decode(text)).map((e) => e.request_id);
    // Big enough that the first batch's sinks grow well past their first size.
    const first = Array.from({ length: 3_000 }, () => forwardedEntry());
    const a = built(first);
    expect(ids(a.finish([]).text)).toEqual(first.map((e) => e.request_id));
    a.release();
    a.release();
    const second = Array.from({ length: 5 }, () => forwardedEntry());
    const third = Array.from({ length: 7 }, () => forwardedEntry());
    const b = built(second);
    const c = built(third);
    const bBytes = b.finish([]);
    const cBytes = c.finish([]);
    expect(ids(bBytes.text)).toEqual(second.map((e) => e.request_id));
    expect(ids(cBytes.text)).toEqual(third.map((e) => e.request_id));
    expect(decoder.decode(bBytes.ids).split("\n")).toEqual(
      second.flatMap((e) => [`r:${e.request_id}`, `c:${e.correlation_id}`]),
    );
  });

  it("writes a latency as String() writes it rounded to the hundredth, and reads it back", () => {
    const values = [0, 0.01, 0.05, 0.1, 0.5, 1, 3.27, 4.1, 4.105, 9.99, 10, 99.999, 123_456.78];
    for (let i = 0; i < 2_000; i++)
      values.push(Math.round(Math.random() * 10 ** (i % 7) * 100) / 100);
    for (const v of values) expect(hundredths(v)).toBe(String(Math.round(v * 100) / 100));
    // What has no hundredths to write goes as any number: JSON's null for what it cannot hold.
    expect(
      [-1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e13, null, undefined].map(hundredths),
    ).toEqual(["-1.5", "null", "null", "10000000000000", "null", "null"]);
    const entries = values.map((v) => forwardedEntry({ latency_ms: v, leg_latency_ms: v + 0.5 }));
    const b = new BatchBuilder();
    for (const e of entries) b.add(e);
    const read = decodeBatch(new TextDecoder().decode(b.finish([]).text));
    const rounded = (v: number) => Math.round(v * 100) / 100;
    expect(read.map((e) => e.latency_ms)).toEqual(values.map(rounded));
    expect(read.map((e) => e.leg_latency_ms)).toEqual(values.map((v) => rounded(v + 0.5)));
  });
});
