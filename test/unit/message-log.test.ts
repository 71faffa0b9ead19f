import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client.js";
import { rowsOf } from "../../src/db/client.js";
import { entriesOf } from "../../src/messages/batch.js";
import type { MessageEntry } from "../../src/messages/log.js";
import { freshDatabase } from "../support/database.js";
import { forwardedEntry, quietLog } from "../support/message-entries.js";

/** An entry with the request id `id`. */
const entry = (id: string) => forwardedEntry({ request_id: id, message_id: id });

/** The stored batch rows, oldest first. */
async function storedBatches(db: Database) {
  return rowsOf<{ seq: number; count: number; entries: string }>(
    await db.execute(sql`select seq, count, entries from message_batches order by seq`),
  );
}

describe("the message log's buffer", () => {
  it("fills batches of its size in turn, up to its capacity, drops the rest, and writes each as a row", async () => {
    const database = await freshDatabase();
    try {
      const log = quietLog(database.handle.db, { bodies: true, capacity: 250 });
      // With bodies a batch holds 100 entries: 250 take three.
      for (let i = 0; i < 260; i++) log.record(entry(`r${i}`));
      expect(log.stats()).toMatchObject({ buffered: 250, capacity: 250, dropped: 10, lost: 0 });
      await log.close();
      expect(log.stats()).toMatchObject({ buffered: 0, written: 250, failedFlushes: 0 });
      const rows = await storedBatches(database.handle.db);
      expect(rows.map((r) => r.count)).toEqual([100, 100, 50]);
      const ids = rows.flatMap((r) => entriesOf(Number(r.seq), r.entries).map((e) => e.request_id));
      expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => `r${i}`));
    } finally {
      await database.dispose();
    }
  });

  it("drops and counts an entry it cannot make or write, and stores the entries recorded around it in order", async () => {
    const database = await freshDatabase();
    try {
      const log = quietLog(database.handle.db);
      // Entries wait in a short list and are written into their batch a few hundred at a
      // time: a broken one among 600 must not take the others of its turn with it.
      // Entries are given as they are or as a function that makes them when they are written
      // (a request's message); a broken one of either kind is dropped alone.
      const broken = { ...entry("broken"), at: "not a date" } as unknown as MessageEntry;
      const unmakeable = () => {
        throw new Error("the request's facts do not make an entry");
      };
      for (let i = 0; i < 600; i++) {
        if (i === 300) log.record(broken);
        else if (i === 450) log.record(unmakeable);
        else log.record(i % 2 === 0 ? entry(`r${i}`) : () => entry(`r${i}`));
      }
      // The list is written right after the request that filled it.
      await new Promise((resolve) => setImmediate(resolve));
      expect(log.stats()).toMatchObject({ buffered: 598, dropped: 2 });
      await log.close();
      expect(log.stats()).toMatchObject({ buffered: 0, written: 598, dropped: 2, lost: 0 });
      const rows = await storedBatches(database.handle.db);
      const ids = rows.flatMap((r) => entriesOf(Number(r.seq), r.entries).map((e) => e.request_id));
      expect(ids).toEqual(
        Array.from({ length: 600 }, (_, i) => `r${i}`).filter(
          (id) => id !== "r300" && id !== "r450",
        ),
      );
    } finally {
      await database.dispose();
    }
  });

  it("writes a flush of 999 entries as one row, every entry with its own fields, in order", async () => {
    const database = await freshDatabase();
    try {
      const log = quietLog(database.handle.db);
      const entries = Array.from({ length: 999 }, (_, i) =>
        forwardedEntry({ latency_ms: i / 4, status_code: 1000 + (i % 3) }),
      );
      for (const e of entries) log.record(e);
      await log.close();
      const rows = await storedBatches(database.handle.db);
      expect(rows.map((r) => r.count)).toEqual([999]);
      const read = entriesOf(Number(rows[0]?.seq), rows[0]?.entries as string);
      expect(
        read.map((e) => [e.request_id, e.correlation_id, e.latency_ms, e.status_code]),
      ).toEqual(entries.map((e) => [e.request_id, e.correlation_id, e.latency_ms, e.status_code]));
    } finally {
      await database.dispose();
    }
  });
});
