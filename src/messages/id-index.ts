import type { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import { type Database, embeddedClient, embeddedDatabase, rowsOf } from "../db/client.js";
import { hashKey } from "../db/key-hash.js";
import { searchedKeys } from "./batch.js";
import {
  arrayKeys,
  chunkPairs,
  chunksOf,
  joined,
  lowerBound,
  merged,
  type Pairs,
  sortedPairs,
} from "./id-runs.js";

/**
 * The index of the log's request and correlation ids (`r:` and `c:` keys,
 * two new ones for nearly every request): which batches carry an id.
 *
 * A GIN index took each new key into its pending list and then into its
 * tree, about 2.9 µs a key on PGlite; here an id costs about 1.5 µs in
 * all (docs/performance.md, "Sorted runs of ids instead of GIN"). A
 * batch's ids go, hashed, into a pending row beside the batch, in the
 * same statement (batch.ts). Once enough are pending, a fold sorts them
 * in JavaScript (id-runs.ts; on PGlite in the database's thread) and
 * writes them as a run: pairs of the high 32 bits of a key's hash and the
 * batch carrying it, sorted by key, in chunks of a few thousand found by
 * their first key. Eight runs of one level merge into one of the next,
 * up to MAX_LEVEL, so a search reads a chunk of each of a few dozen runs.
 * A search reads the pending rows too, and compares the entries' ids, so
 * a hash two ids share costs a batch read, never a wrong answer.
 *
 * Folds and merges each run in one transaction that locks the rows it
 * takes (SKIP LOCKED): several instances on one database never take the
 * same ones, and a crash leaves everything as it was.
 */

/** Ids written by an instance between two folds. */
export const FOLD_EVERY_IDS = 32_000;
/** Pending rows (batches) one fold takes at most. */
const FOLD_BATCHES = 256;
/** Runs of one level merged into one of the next. */
export const RUNS_PER_MERGE = 8;
/** The highest level a merge makes: above it runs stay as they are, until retention drops them. */
const MAX_LEVEL = 2;
/**
 * Pairs a merge makes at most (about 36 MB while it runs): a run that
 * would pass it alone moves up a level as it is.
 */
const MERGE_PAIRS = 3_000_000;
/** Pairs a chunk holds at least (but the last): 32 KiB. */
export const CHUNK_PAIRS = 4_096;

/** The key a run sorts by: the high 32 bits of the key's hash, signed, as `hashtextextended(key, 0) >> 32`. */
export const runKey = (key: string) => Number(hashKey(key) >> 32n);

/** A literal array of whole numbers, as one parameter. */
const numbers = (values: Iterable<number>) => `{${[...values].join(",")}}`;

/**
 * Folds the pending ids into a run, then merges full levels. Answers how
 * many batches it folded (none when another instance holds them).
 */
export async function foldIds(db: Database): Promise<number> {
  const folded = await db.transaction(async (tx) => {
    const rows = rowsOf<{ seq: number | string; ids: string }>(
      await tx.execute(sql`
        select seq, encode(array_send(ids), 'base64') as ids from message_id_pending
        order by seq limit ${FOLD_BATCHES} for update skip locked`),
    );
    if (rows.length === 0) return 0;
    const batches = rows.map((row) => ({ seq: Number(row.seq), keys: arrayKeys(row.ids) }));
    await writeRun(tx, 0, sortedPairs(batches));
    await tx.execute(sql`
      delete from message_id_pending where seq = any(${numbers(batches.map((b) => b.seq))}::bigint[])`);
    return rows.length;
  });
  for (let level = 0; level < MAX_LEVEL; level++) {
    let merging = true;
    while (merging) merging = await mergeRuns(db, level);
  }
  return folded;
}

/**
 * foldIds where the database runs: on PGlite in its thread, so that the
 * pending ids' reading, their sort, the chunks' coding and the merges
 * (about a second of work for a level-2 merge) leave the hub's thread
 * (docs/performance.md, "The id index's upkeep in the database's thread");
 * on PostgreSQL here.
 */
export function foldIdsBesideData(db: Database): Promise<number> {
  const embedded = embeddedClient(db);
  if (embedded === undefined) return foldIds(db);
  return embedded.task(import.meta.url, foldIdsInThread.name) as Promise<number>;
}

/** foldIds, run in the embedded database's thread on its PGlite (EmbeddedClient.task). */
export function foldIdsInThread(client: PGlite): Promise<number> {
  return foldIds(embeddedDatabase(client));
}

/** How long ids may stay pending when an instance writes too few to fold them. */
const PENDING_AT_MOST_MS = 60 * 60_000;

/**
 * Folds the pending ids when the oldest has waited PENDING_AT_MOST_MS
 * (retention.ts, every few minutes): a quiet log's pending rows, which
 * every search scans, stay few. Answers how many batches it folded.
 */
export async function foldWaitingIds(db: Database, now: Date): Promise<number> {
  const before = new Date(now.getTime() - PENDING_AT_MOST_MS).toISOString();
  const waiting = rowsOf(
    await db.execute(sql`
      select 1 from message_id_pending p join message_batches b using (seq)
      where b.last_at < ${before}::timestamptz limit 1`),
  );
  return waiting.length === 0 ? 0 : foldIdsBesideData(db);
}

/**
 * Deletes what the id index holds of batches that are gone: runs whose
 * batches all are, and pending rows of a batch deleted before its fold.
 */
export async function pruneIds(db: Database): Promise<void> {
  await db.execute(sql`
    delete from message_id_runs
    where hi_seq < coalesce((select min(seq) from message_batches), 9223372036854775807)`);
  await db.execute(sql`
    delete from message_id_pending p
    where not exists (select 1 from message_batches b where b.seq = p.seq)`);
}

type Executor = Pick<Database, "execute">;

/** Chunks written by one statement (about 2.8 MB of text). */
const CHUNKS_PER_STATEMENT = 64;

/**
 * Writes a run and its chunks, a key's pairs in one chunk, a statement for
 * CHUNKS_PER_STATEMENT chunks: on PGlite a statement costs most of a
 * millisecond before its first byte, as much as 40 KB of chunks.
 */
async function writeRun(tx: Executor, level: number, run: Pairs): Promise<void> {
  const n = run.keys.length;
  if (n === 0) return;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const seq of run.seqs) {
    if (seq < lo) lo = seq;
    if (seq > hi) hi = seq;
  }
  const { firsts, chunks } = await chunksOf(run, CHUNK_PAIRS, lo);
  let id: number | undefined;
  for (let g = 0; g < chunks.length; g += CHUNKS_PER_STATEMENT) {
    // Base64 holds no character an array literal quotes.
    const group = sql`unnest(${numbers(firsts.slice(g, g + CHUNKS_PER_STATEMENT))}::integer[],
      ${`{${chunks.slice(g, g + CHUNKS_PER_STATEMENT).join(",")}}`}::text[]) as t(first_key, pairs)`;
    const rows = rowsOf<{ run: number | string }>(
      await tx.execute(
        id === undefined
          ? sql`
            with run as (
              insert into message_id_runs (level, lo_seq, hi_seq, pairs)
              values (${level}, ${lo}, ${hi}, ${n}) returning id)
            insert into message_id_chunks (run, first_key, pairs)
            select run.id, t.first_key, decode(t.pairs, 'base64') from run, ${group}
            returning run`
          : sql`
            insert into message_id_chunks (run, first_key, pairs)
            select ${id}, t.first_key, decode(t.pairs, 'base64') from ${group}`,
      ),
    );
    id ??= Number(rows[0]?.run);
  }
}

/**
 * Merges the oldest RUNS_PER_MERGE runs of `level` into one of the next
 * (as many of them as MERGE_PAIRS allows), leaving out pairs of batches
 * retention has deleted. Answers whether it merged (not when fewer are
 * free).
 */
async function mergeRuns(db: Database, level: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const free = rowsOf<{ id: number | string; lo_seq: number | string; pairs: number }>(
      await tx.execute(sql`
        select id, lo_seq, pairs from message_id_runs where level = ${level}
        order by id limit ${RUNS_PER_MERGE} for update skip locked`),
    );
    if (free.length < RUNS_PER_MERGE) return false;
    const runs: typeof free = [];
    let total = 0;
    for (const r of free) {
      total += Number(r.pairs);
      if (total > MERGE_PAIRS) break;
      runs.push(r);
    }
    if (runs.length <= 1) {
      await tx.execute(
        sql`update message_id_runs set level = ${level + 1} where id = ${free[0]?.id}`,
      );
      return true;
    }
    const ids = numbers(runs.map((r) => Number(r.id)));
    const chunks = rowsOf<{ run: number | string; pairs: string }>(
      await tx.execute(sql`
        select run, encode(pairs, 'base64') as pairs from message_id_chunks
        where run = any(${ids}::bigint[]) order by run, first_key`),
    );
    const [oldest] = rowsOf<{ seq: number | string | null }>(
      await tx.execute(sql`select min(seq) as seq from message_batches`),
    );
    const live = Number(oldest?.seq ?? Number.POSITIVE_INFINITY);
    const inputs: Pairs[] = [];
    for (const r of runs) {
      const own = chunks.filter((c) => String(c.run) === String(r.id));
      inputs.push(await joined(own, Number(r.lo_seq)));
    }
    await writeRun(tx, level + 1, await merged(inputs, live));
    await tx.execute(sql`delete from message_id_runs where id = any(${ids}::bigint[])`);
    return true;
  });
}

/**
 * The batches that may carry any of the id keys `keys` (`r:…`, `c:…`): from
 * the pending rows and the runs. Batches written before the id index have
 * their ids in the GIN index with the other keys; see store.ts.
 */
export async function batchesWithIds(db: Database, keys: readonly string[]): Promise<number[]> {
  const found = new Set<number>();
  if (keys.length === 0) return [];
  const pending = rowsOf<{ seq: number | string }>(
    await db.execute(sql`
      select seq from message_id_pending where ids && ${searchedKeys(keys)}`),
  );
  for (const row of pending) found.add(Number(row.seq));
  const wanted = [...new Set(keys.map(runKey))].sort((a, b) => a - b);
  const chunks = rowsOf<{ lo_seq: number | string; pairs: string }>(
    await db.execute(sql`
      select f.lo_seq, encode(c.pairs, 'base64') as pairs
      from (
        select distinct r.id, r.lo_seq, (
          select c.first_key from message_id_chunks c
          where c.run = r.id and c.first_key <= k.h order by c.first_key desc limit 1
        ) as first_key
        from message_id_runs r, unnest(${numbers(wanted)}::integer[]) as k(h)
      ) f
      join message_id_chunks c on c.run = f.id and c.first_key = f.first_key`),
  );
  for (const chunk of chunks) {
    const pairs = chunkPairs(chunk.pairs, Number(chunk.lo_seq));
    for (const key of wanted) {
      for (let i = lowerBound(pairs.keys, key); pairs.keys[i] === key; i++)
        found.add(pairs.seqs[i] as number);
    }
  }
  return [...found];
}

/**
 * A condition on message_batches: the batch may carry the id keys `keys`,
 * any of them (`all` false) or all of them: found by this index, or by
 * the GIN index for a batch written before it.
 */
export async function withIds(db: Database, keys: readonly string[], all: boolean): Promise<SQL> {
  const seqs = await batchesWithIds(db, keys);
  const gin = all ? sql`keys @> ${searchedKeys(keys)}` : sql`keys && ${searchedKeys(keys)}`;
  return sql`(${gin} or seq = any(${numbers(seqs)}::bigint[]))`;
}
