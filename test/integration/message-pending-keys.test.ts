import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseLocation } from "../../src/config/schema.js";
import { type DatabaseHandle, openDatabase, rowsOf } from "../../src/db/client.js";
import { migrate } from "../../src/db/migrate.js";
import type { MessageEntry } from "../../src/messages/log.js";
import { listMessages } from "../../src/messages/store.js";
import { forwardedEntry, quietLog } from "../support/message-entries.js";

/**
 * On PGlite the log merges its search index's pending list itself, in
 * steps, instead of leaving it to the insert that fills the list (which
 * holds the hub's thread for about half a second). PGlite only, whichever
 * backend the run has: on PostgreSQL the server does it, off the hub.
 */
const location: DatabaseLocation = { kind: "pglite-memory" };
let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await openDatabase(location);
  await migrate(handle, location);
});
afterAll(async () => {
  await handle?.close();
});

/** Merges what is pending now; answers how many pages of the pending list that took. */
async function pendingPages(): Promise<number> {
  const rows = rowsOf<{ pages: number }>(
    await handle.db.execute(
      sql`select gin_clean_pending_list('message_batches_keys'::regclass) as pages`,
    ),
  );
  return Number(rows[0]?.pages);
}

describe("the message log on PGlite", () => {
  it("leaves its search keys pending until it has written mergeEveryKeys of them", async () => {
    await pendingPages();
    const log = quietLog(handle.db, { mergeEveryKeys: 1_000_000 });
    for (let i = 0; i < 300; i++) log.record(forwardedEntry());
    await log.close();
    expect(log.stats().written).toBe(300);
    expect(await pendingPages()).toBeGreaterThan(0);
  });

  it("merges the pending keys once it has written mergeEveryKeys, and every entry is found after", async () => {
    await pendingPages();
    // A batch carries a few keys besides its ids (which go to the id index): platforms, parties, module, code, object.
    const log = quietLog(handle.db, { mergeEveryKeys: 5 });
    const entries = Array.from({ length: 300 }, () => forwardedEntry());
    for (const e of entries) log.record(e);
    await log.close();
    expect(log.stats().written).toBe(300);
    expect(await pendingPages()).toBe(0);
    for (const e of [entries[0], entries[150], entries[299]] as MessageEntry[]) {
      const byRequest = await listMessages(handle.db, { requestId: e.request_id, limit: 10 });
      expect(byRequest.data.map((m) => m.request_id)).toEqual([e.request_id]);
      const byCorrelation = await listMessages(handle.db, {
        correlationId: e.correlation_id as string,
        limit: 10,
      });
      expect(byCorrelation.data.map((m) => m.request_id)).toEqual([e.request_id]);
    }
  });
});
