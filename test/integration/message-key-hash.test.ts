import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { hashedKeyArray, hashKey } from "../../src/db/key-hash.js";
import { writeBatch } from "../../src/messages/batch.js";
import type { MessageEntry } from "../../src/messages/log.js";
import { listMessages, messageWithLegs } from "../../src/messages/store.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.dispose();
});

/** Strings of every length up to 80 (12-byte blocks and each tail), ASCII and not. */
function samples(): string[] {
  const alphabets = [
    "abcdefghijklmnopqrstuvwxyz0123456789-:/",
    "äöüßéèçñ€",
    "日本語漢字",
    "😀🚗⚡",
  ];
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const out = ["", "r:", `r:${randomUUID()}`, `c:${randomUUID()}`, "p:platform-1", "s:1000"];
  for (let length = 0; length <= 80; length++) {
    for (const alphabet of alphabets) {
      const chars = [...alphabet];
      out.push(Array.from({ length }, () => chars[next() % chars.length]).join(""));
    }
  }
  return out;
}

describe("the message log's key hashes computed by the hub", () => {
  it("equal the database's hashtextextended(key, 0) for ASCII and multi-byte keys of every length", async () => {
    const keys = samples();
    const rows = rowsOf<{ h: string }>(
      await database.handle.db.execute(sql`
        select hashtextextended(k, 0)::text as h
        from unnest(string_to_array(${keys.join("\u0001")}, E'\\x01')) with ordinality as t(k, n)
        order by n`),
    );
    expect(rows).toHaveLength(keys.length);
    const mismatched = keys.filter((k, i) => hashKey(k).toString() !== rows[i]?.h);
    expect(mismatched).toEqual([]);
  });

  it("are written as a binary bigint[] whose elements are those hashes", () => {
    const keys = ["r:a", "c:ü", ""];
    const view = new DataView(hashedKeyArray(new TextEncoder().encode(keys.join("\n"))).buffer);
    expect([view.getInt32(0), view.getInt32(4), view.getInt32(8), view.getInt32(12)]).toEqual([
      1, 0, 20, 3,
    ]);
    keys.forEach((k, i) => {
      expect(view.getInt32(20 + i * 12)).toBe(8);
      expect(view.getBigInt64(24 + i * 12)).toBe(hashKey(k));
    });
  });

  it("write a batch whose entries carry no key besides their ids as an empty array, found by its request id", async () => {
    const { db } = database.handle;
    const requestId = `bare-${randomUUID()}`;
    const bare: MessageEntry = {
      kind: "message",
      at: new Date(),
      request_id: requestId,
      message_id: requestId,
      correlation_id: null,
      module: null,
      interface: null,
      method: "GET",
      path: null,
      object_id: null,
      from_country_code: null,
      from_party_id: null,
      from_platform_id: null,
      to_country_code: null,
      to_party_id: null,
      to_platform_id: null,
      http_status: 401,
      status_code: null,
      latency_ms: 0.5,
      outcome: "refused",
      request_body: null,
      response_body: null,
    };
    expect(await writeBatch(db, [bare])).toEqual({ keys: 0, ids: 1 });
    const [row] = rowsOf<{ keys: string }>(
      await db.execute(
        sql`select cardinality(keys) as keys from message_batches order by seq desc limit 1`,
      ),
    );
    expect(Number(row?.keys)).toBe(0);
    expect((await messageWithLegs(db, requestId))?.http_status).toBe(401);
  });

  it("find a batch written with multi-byte ids by its request and correlation ids, entries intact", async () => {
    const { db } = database.handle;
    const requestId = `Anfrage-ä-日本-😀-${randomUUID()}`;
    const correlationId = `corrélation\nzwei Zeilen ${randomUUID()}`;
    const message: MessageEntry = {
      kind: "message",
      at: new Date(),
      request_id: requestId,
      message_id: requestId,
      correlation_id: correlationId,
      module: "locations",
      interface: "receiver",
      method: "PUT",
      path: "/ocpi/2.2.1/locations/receiver/NL/CPO/Stätion-1",
      object_id: "Stätion-1",
      from_country_code: "NL",
      from_party_id: "CPO",
      from_platform_id: "cpo-platform",
      to_country_code: "DE",
      to_party_id: "EMS",
      to_platform_id: "emsp-platform",
      http_status: 200,
      status_code: 1000,
      latency_ms: 1.5,
      outcome: "success",
      request_body: '{"name":"Bahnhofstraße ⚡"}',
      response_body: null,
    };
    await writeBatch(db, [message]);
    const found = await messageWithLegs(db, requestId);
    expect(found).toMatchObject({
      request_id: requestId,
      correlation_id: correlationId,
      object_id: "Stätion-1",
      request_body: '{"name":"Bahnhofstraße ⚡"}',
    });
    const byCorrelation = await listMessages(db, { correlationId, limit: 10 });
    expect(byCorrelation.data.map((m) => m.request_id)).toEqual([requestId]);
    const byObject = await listMessages(db, { objectId: "Stätion-1", limit: 10 });
    expect(byObject.data.map((m) => m.request_id)).toEqual([requestId]);
  });
});
