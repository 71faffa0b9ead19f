import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { createLogger } from "../../src/logging/logger.js";
import { entriesOf } from "../../src/messages/batch.js";
import { createMessageLog } from "../../src/messages/log.js";
import { freshDatabase } from "../support/database.js";
import { forwardedEntry } from "../support/message-entries.js";

/** An entry with the request id `id`. */
const entry = (id: string) => forwardedEntry({ request_id: id, message_id: id });

describe("the message log's buffer", () => {
  it("counts an entry it cannot encode as lost, logs it, and keeps recording", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createMessageLog({
      // Never written: the loop's period is an hour and nothing flushes.
      db: { execute: () => new Promise(() => {}) } as never,
      logger: createLogger("info", sink),
      enabled: true,
      bodies: false,
      intervalMs: 3_600_000,
    });
    log.record(entry("a"));
    // `at` is what the log reads first: an entry without a time cannot be placed in a batch.
    expect(() => log.record({ ...entry("b"), at: undefined as unknown as Date })).not.toThrow();
    log.record(entry("c"));
    expect(log.stats()).toMatchObject({ buffered: 2, dropped: 0, lost: 1 });
    expect(lines.join("")).toContain("an entry could not be encoded");
  });

  it("fills batches of its size in turn, up to its capacity, drops the rest, and writes each as a row", async () => {
    const database = await freshDatabase();
    try {
      const log = createMessageLog({
        db: database.handle.db,
        logger: createLogger("silent"),
        enabled: true,
        bodies: true,
        capacity: 250,
        intervalMs: 3_600_000,
      });
      // With bodies a batch holds 100 entries: 250 take three.
      for (let i = 0; i < 260; i++) log.record(entry(`r${i}`));
      expect(log.stats()).toMatchObject({ buffered: 250, capacity: 250, dropped: 10, lost: 0 });
      await log.close();
      expect(log.stats()).toMatchObject({ buffered: 0, written: 250, failedFlushes: 0 });
      const rows = rowsOf<{ seq: number; count: number; entries: string }>(
        await database.handle.db.execute(
          sql`select seq, count, entries from message_batches order by seq`,
        ),
      );
      expect(rows.map((r) => r.count)).toEqual([100, 100, 50]);
      const ids = rows.flatMap((r) => entriesOf(Number(r.seq), r.entries).map((e) => e.request_id));
      expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => `r${i}`));
    } finally {
      await database.dispose();
    }
  });
});
