import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { writeBatch } from "../../src/messages/batch.js";
import {
  batchesWithIds,
  CHUNK_PAIRS,
  foldIds,
  foldIdsBesideData,
  foldWaitingIds,
  RUNS_PER_MERGE,
  runKey,
} from "../../src/messages/id-index.js";
import type { MessageEntry } from "../../src/messages/log.js";
import { pruneMessages } from "../../src/messages/retention.js";
import { listMessages, messageWithLegs } from "../../src/messages/store.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";
import { forwardedEntry, quietLog } from "../support/message-entries.js";

/**
 * The index of request and correlation ids (messages/id-index.ts): pending
 * rows folded into sorted runs, runs merged level by level, and every id
 * found wherever it is (pending, a run of any level, or the GIN index of a
 * batch written before the id index).
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.dispose();
});
beforeEach(async () => {
  const { db } = database.handle;
  await db.execute(sql`delete from message_batches`);
  await db.execute(sql`delete from message_id_pending`);
  await db.execute(sql`delete from message_id_runs`);
});

const db = () => database.handle.db;

async function count(table: "message_id_pending" | "message_id_chunks"): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(
    await db().execute(sql`select count(*) as n from ${sql.identifier(table)}`),
  );
  return Number(row?.n);
}

async function runs(): Promise<{ level: number; pairs: number }[]> {
  return rowsOf<{ level: number; pairs: number }>(
    await db().execute(sql`select level, pairs from message_id_runs order by level, id`),
  ).map((r) => ({ level: Number(r.level), pairs: Number(r.pairs) }));
}

/** Writes `n` batches of `size` forwarded messages; answers them. */
async function batches(n: number, size: number, fields: Partial<MessageEntry> = {}) {
  const written: MessageEntry[][] = [];
  for (let i = 0; i < n; i++) {
    const entries = Array.from({ length: size }, () => forwardedEntry(fields));
    await writeBatch(db(), entries);
    written.push(entries);
  }
  return written;
}

/** Checks that each entry is found by its request id and by its correlation id, alone. */
async function allFound(entries: readonly MessageEntry[]) {
  for (const e of entries) {
    const one = await messageWithLegs(db(), e.request_id);
    expect(one?.request_id).toBe(e.request_id);
    const byCorrelation = await listMessages(db(), {
      correlationId: e.correlation_id as string,
      limit: 5,
    });
    expect(byCorrelation.data.map((m) => m.request_id)).toEqual([e.request_id]);
  }
}

describe("the id index", () => {
  it("keeps a batch's ids pending, found there, until a fold writes them as a sorted run", async () => {
    const [first = []] = await batches(1, 3);
    expect(await count("message_id_pending")).toBe(1);
    await allFound(first);
    expect(await foldIds(db())).toBe(1);
    expect(await count("message_id_pending")).toBe(0);
    expect(await runs()).toEqual([{ level: 0, pairs: 6 }]);
    await allFound(first);
    // Nothing left to fold.
    expect(await foldIds(db())).toBe(0);
  });

  it("cuts a large run into chunks and finds ids at every place of every chunk", async () => {
    const written = (await batches(3, 1_600)).flat();
    expect(await foldIds(db())).toBe(3);
    const [run] = await runs();
    expect(run?.pairs).toBe(2 * written.length);
    expect(await count("message_id_chunks")).toBe(Math.ceil((2 * written.length) / CHUNK_PAIRS));
    // Stored sorted: each chunk's keys ascend from its first key, and from the previous chunk's last.
    const chunks = rowsOf<{ first_key: number; pairs: string }>(
      await db().execute(sql`
        select first_key, encode(pairs, 'base64') as pairs from message_id_chunks order by first_key`),
    );
    let previous = -(2 ** 31);
    for (const chunk of chunks) {
      const bytes = Buffer.from(chunk.pairs, "base64");
      const keys = Array.from({ length: bytes.length / 8 }, (_, i) => bytes.readInt32LE(4 * i));
      expect(keys[0]).toBe(Number(chunk.first_key));
      expect(keys.every((k, i) => k >= (i === 0 ? previous : (keys[i - 1] as number)))).toBe(true);
      previous = keys[keys.length - 1] as number;
    }
    const sample = written.filter((_, i) => i % 97 === 0 || i === written.length - 1);
    await allFound(sample);
  });

  it("merges RUNS_PER_MERGE runs of a level into one of the next, and every id stays found", async () => {
    const written: MessageEntry[] = [];
    for (let i = 0; i < RUNS_PER_MERGE; i++) {
      written.push(...(await batches(2, 4)).flat());
      await foldIds(db());
    }
    expect(await runs()).toEqual([{ level: 1, pairs: 2 * written.length }]);
    // One more fold: a run of level 0 beside the merged one, each searched.
    const [later = []] = await batches(1, 2);
    await foldIds(db());
    expect((await runs()).map((r) => r.level)).toEqual([0, 1]);
    await allFound([...written, ...later]);
  });

  it("lists all batches of an id that many batches carry, across pending rows and runs", async () => {
    const correlation = `shared-${randomUUID()}`;
    await batches(3, 2, { correlation_id: correlation });
    await foldIds(db());
    await batches(2, 2, { correlation_id: correlation });
    const found = await listMessages(db(), { correlationId: correlation, limit: 100 });
    expect(found.data).toHaveLength(10);
    expect(await batchesWithIds(db(), [`c:${correlation}`])).toHaveLength(5);
  });

  it("still finds the ids of a batch written before the id index, through the GIN index", async () => {
    const [old = []] = await batches(1, 2);
    // As the log wrote batches before: the ids' keys among the others, nothing pending.
    await db().execute(sql`
      update message_batches b set keys = b.keys || p.ids
      from message_id_pending p where p.seq = b.seq`);
    await db().execute(sql`delete from message_id_pending`);
    const [recent = []] = await batches(1, 2);
    await foldIds(db());
    await allFound([...old, ...recent]);
    const trail = await listMessages(db(), { platform: "plat-cpo", limit: 10 });
    expect(trail.data).toHaveLength(4);
  });

  it("folds and merges where the database runs (on PGlite in its thread) as it does here", async () => {
    const written: MessageEntry[] = [];
    for (let i = 0; i < RUNS_PER_MERGE; i++) {
      written.push(...(await batches(2, 4)).flat());
      expect(await foldIdsBesideData(db())).toBe(2);
    }
    expect(await runs()).toEqual([{ level: 1, pairs: 2 * written.length }]);
    // Beside a fold in this thread, each pending row is still taken once.
    const more = (await batches(6, 3)).flat();
    const folded = await Promise.all([foldIdsBesideData(db()), foldIds(db())]);
    expect(folded[0] + folded[1]).toBe(6);
    expect(await count("message_id_pending")).toBe(0);
    await allFound([...written, ...more]);
  });

  it("takes each pending row once when two folds run at the same time", async () => {
    const written = (await batches(6, 3)).flat();
    const folded = await Promise.all([foldIds(db()), foldIds(db())]);
    expect(folded[0] + folded[1]).toBe(6);
    const total = (await runs()).reduce((n, r) => n + r.pairs, 0);
    expect(total).toBe(2 * written.length);
    await allFound(written);
  });

  it("folds ids an hour old that no fold took, not newer ones", async () => {
    await batches(1, 2);
    expect(await foldWaitingIds(db(), new Date())).toBe(0);
    expect(await foldWaitingIds(db(), new Date(Date.now() + 2 * 3_600_000))).toBe(1);
    expect(await count("message_id_pending")).toBe(0);
  });

  it("drops runs whose batches retention deleted, and their pairs from merges", async () => {
    const old = new Date(Date.now() - 30 * 86_400_000);
    for (let i = 0; i < RUNS_PER_MERGE - 1; i++) {
      await batches(1, 2, { at: old });
      await foldIds(db());
    }
    const [kept = []] = await batches(1, 2);
    await pruneMessages(db(), 14, new Date());
    // The old runs are gone; the newest batch's ids, still pending, merge alone.
    expect(await runs()).toEqual([]);
    await foldIds(db());
    expect(await runs()).toEqual([{ level: 0, pairs: 4 }]);
    await allFound(kept);
  });

  it("leaves the pairs of deleted batches out when it merges", async () => {
    const old = new Date(Date.now() - 30 * 86_400_000);
    await batches(1, 2, { at: old });
    await batches(1, 2);
    // One run of both batches' pairs (8), then runs of one new batch each (4).
    await foldIds(db());
    for (let i = 1; i < RUNS_PER_MERGE - 1; i++) {
      await batches(1, 2);
      await foldIds(db());
    }
    await pruneMessages(db(), 14, new Date());
    // The first run points to a batch still kept: it stays.
    expect(await runs()).toHaveLength(RUNS_PER_MERGE - 1);
    const [last = []] = await batches(1, 2);
    await foldIds(db());
    expect(await runs()).toEqual([{ level: 1, pairs: 4 * RUNS_PER_MERGE }]);
    await allFound(last);
  });

  it("folds once the log has written foldEveryIds ids", async () => {
    const log = quietLog(db(), { foldEveryIds: 10 });
    const entries = Array.from({ length: 6 }, () => forwardedEntry());
    for (const e of entries) log.record(e);
    await log.close();
    expect(await count("message_id_pending")).toBe(0);
    expect(await runs()).toEqual([{ level: 0, pairs: 12 }]);
    await allFound(entries);
  });

  it("sorts by the high half of the key's hash, as the database computes it", async () => {
    const id = `r:${randomUUID()}`;
    const [row] = rowsOf<{ h: number }>(
      await db().execute(sql`select (hashtextextended(${id}, 0) >> 32)::integer as h`),
    );
    expect(runKey(id)).toBe(Number(row?.h));
  });
});
