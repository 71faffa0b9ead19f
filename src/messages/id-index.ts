import { type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../db/client.js";
import { hashKey } from "../db/key-hash.js";
import { searchedKeys } from "./batch.js";

/**
 * The index of the log's request and correlation ids (`r:` and `c:` keys,
 * two new ones for nearly every request): which batches carry an id.
 *
 * A GIN index took each new key into its pending list and then into its
 * tree, about 2.9 µs a key on PGlite, half of what the log cost
 * forwarding (docs/performance.md, "Sorted runs of ids instead of GIN").
 * Here a batch's ids go, hashed, into a pending row beside the batch, in
 * the same statement (batch.ts). Once enough are pending, a fold sorts
 * them here, in JavaScript, and writes them as a run: pairs of the high
 * 32 bits of a key's hash and the batch carrying it, sorted by key, in
 * chunks of a few thousand found by their first key. Eight runs of one
 * level merge into one of the next, up to MAX_LEVEL, so a search reads a
 * chunk of each of a few dozen runs. A search reads the pending rows too,
 * and compares the entries' ids, so a hash two ids share costs a batch
 * read, never a wrong answer.
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

/** A run in memory: keys ascending, each with the batch carrying it. */
interface Pairs {
  keys: Int32Array;
  seqs: Float64Array;
}

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
  return waiting.length === 0 ? 0 : foldIds(db);
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

/** The high halves of a `bigint[]` sent by array_send (base64): a header of 20 bytes, then each as length and value. */
function arrayKeys(base64: string): Int32Array {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length < 20) return new Int32Array(0);
  const count = bytes.readInt32BE(12);
  const keys = new Int32Array(count);
  for (let i = 0, at = 24; i < count; i++, at += 12) keys[i] = bytes.readInt32BE(at);
  return keys;
}

/** Index bits of the sort below: a fold holds fewer pairs than 2^21 (FOLD_BATCHES × 2 ids × 2,000 entries). */
const INDEX = 2 ** 21;

/**
 * The batches' keys as one run: each key (offset to unsigned) times INDEX
 * plus its place, sorted as doubles (exact below 2^53) by the engine's
 * own sort, which outruns any comparator; a key repeated in one batch is
 * kept once.
 */
function sortedPairs(batches: readonly { seq: number; keys: Int32Array }[]): Pairs {
  const total = batches.reduce((n, b) => n + b.keys.length, 0);
  if (total >= INDEX) throw new Error(`a fold of ${total} ids is too large`);
  const order = new Float64Array(total);
  const seqOf = new Float64Array(total);
  let i = 0;
  for (const b of batches) {
    for (const k of b.keys) {
      seqOf[i] = b.seq;
      order[i] = (k + 2 ** 31) * INDEX + i;
      i++;
    }
  }
  order.sort();
  const keys = new Int32Array(total);
  const seqs = new Float64Array(total);
  let n = 0;
  for (const o of order) {
    const key = Math.floor(o / INDEX) - 2 ** 31;
    const seq = seqOf[o % INDEX] as number;
    if (n > 0 && keys[n - 1] === key && seqs[n - 1] === seq) continue;
    keys[n] = key;
    seqs[n] = seq;
    n++;
  }
  return { keys: keys.subarray(0, n), seqs: seqs.subarray(0, n) };
}

type Executor = Pick<Database, "execute">;

/** Writes a run and its chunks; a key's pairs stay in one chunk. */
async function writeRun(tx: Executor, level: number, run: Pairs): Promise<void> {
  const n = run.keys.length;
  if (n === 0) return;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const seq of run.seqs) {
    if (seq < lo) lo = seq;
    if (seq > hi) hi = seq;
  }
  const [row] = rowsOf<{ id: number | string }>(
    await tx.execute(sql`
      insert into message_id_runs (level, lo_seq, hi_seq, pairs)
      values (${level}, ${lo}, ${hi}, ${n}) returning id`),
  );
  const id = Number(row?.id);
  for (let start = 0; start < n; ) {
    let end = Math.min(start + CHUNK_PAIRS, n);
    while (end < n && run.keys[end] === run.keys[end - 1]) end++;
    await tx.execute(sql`
      insert into message_id_chunks (run, first_key, pairs)
      values (${id}, ${run.keys[start]}, decode(${chunkBytes(run, start, end, lo)}, 'base64'))`);
    start = end;
  }
}

/** Pairs start..end as stored (base64): their keys, then their batches' offsets from `lo`, little-endian. */
function chunkBytes(run: Pairs, start: number, end: number, lo: number): string {
  const m = end - start;
  const bytes = Buffer.allocUnsafe(8 * m);
  for (let i = 0; i < m; i++) {
    bytes.writeInt32LE(run.keys[start + i] as number, 4 * i);
    bytes.writeUInt32LE((run.seqs[start + i] as number) - lo, 4 * (m + i));
  }
  return bytes.toString("base64");
}

/** A stored chunk's pairs, its batches counted from `lo`. */
function chunkPairs(base64: string, lo: number): Pairs {
  const bytes = Buffer.from(base64, "base64");
  const m = bytes.length >>> 3;
  const keys = new Int32Array(m);
  const seqs = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    keys[i] = bytes.readInt32LE(4 * i);
    seqs[i] = lo + bytes.readUInt32LE(4 * (m + i));
  }
  return { keys, seqs };
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
    const loOf = new Map(runs.map((r) => [String(r.id), Number(r.lo_seq)]));
    const inputs = new Map<string, Pairs[]>();
    for (const c of chunks) {
      const run = String(c.run);
      const list = inputs.get(run) ?? [];
      list.push(chunkPairs(c.pairs, loOf.get(run) ?? 0));
      inputs.set(run, list);
    }
    await writeRun(tx, level + 1, merged([...inputs.values()].map(joined), live));
    await tx.execute(sql`delete from message_id_runs where id = any(${ids}::bigint[])`);
    return true;
  });
}

/** A run's chunks, in order, as one. */
function joined(chunks: readonly Pairs[]): Pairs {
  const n = chunks.reduce((sum, c) => sum + c.keys.length, 0);
  const keys = new Int32Array(n);
  const seqs = new Float64Array(n);
  let at = 0;
  for (const c of chunks) {
    keys.set(c.keys, at);
    seqs.set(c.seqs, at);
    at += c.keys.length;
  }
  return { keys, seqs };
}

/** Sorted runs as one sorted run, without pairs of batches below `live`. */
function merged(runs: readonly Pairs[], live: number): Pairs {
  const n = runs.reduce((sum, r) => sum + r.keys.length, 0);
  const keys = new Int32Array(n);
  const seqs = new Float64Array(n);
  const at = runs.map(() => 0);
  let out = 0;
  for (;;) {
    let best = -1;
    let bestKey = 0;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r] as Pairs;
      const i = at[r] as number;
      if (i >= run.keys.length) continue;
      const key = run.keys[i] as number;
      if (best === -1 || key < bestKey) {
        best = r;
        bestKey = key;
      }
    }
    if (best === -1) break;
    const run = runs[best] as Pairs;
    const i = at[best] as number;
    at[best] = i + 1;
    const seq = run.seqs[i] as number;
    if (seq < live) continue;
    keys[out] = bestKey;
    seqs[out] = seq;
    out++;
  }
  return { keys: keys.subarray(0, out), seqs: seqs.subarray(0, out) };
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

/** Whether a key is an id's, kept in this index (not in GIN, but for batches written before it). */
export const isIdKey = (key: string) => key.startsWith("r:") || key.startsWith("c:");

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

/** The first place in sorted `keys` whose key is not below `key`. */
function lowerBound(keys: Int32Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
