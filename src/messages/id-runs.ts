import { endianness } from "node:os";

/**
 * The id index's runs in memory (id-index.ts): pairs of a key (the high
 * 32 bits of an id key's hash) and the batch carrying it, sorted by key;
 * sorted from a fold's pending ids, merged from runs, and coded as the
 * chunks stored. Loops over a merge's millions of pairs give the event
 * loop a turn every few tens of thousands, so that the thread they run in
 * (the hub's on PostgreSQL, the database's on PGlite: id-index.ts
 * foldIdsBesideData) is never held by one for long.
 */

/** A run in memory: keys ascending, each with the batch carrying it. */
export interface Pairs {
  keys: Int32Array;
  seqs: Float64Array;
}

/** Pairs a loop handles between two turns of the event loop. */
const SLICE = 65_536;
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Index bits of the sort below: a fold holds fewer pairs than 2^21 (FOLD_BATCHES × 2 ids × 2,000 entries, with room). */
const INDEX = 2 ** 21;

/**
 * The batches' keys as one run: each key (made unsigned) times INDEX plus
 * its place, sorted as doubles (exact below 2^53) by the engine's own
 * sort. A fold runs a few times a minute at most, too seldom for the
 * engine to compile a loop of JavaScript: a radix sort, a few array reads
 * a key once compiled, took 16–19 ms for 32,000 keys on its first run,
 * against 9–10 for this (docs/performance.md, "Sorted runs of ids
 * instead of GIN"). A key's batches stay in the order written; a key
 * repeated in one batch is kept once.
 */
export function sortedPairs(batches: readonly { seq: number; keys: Int32Array }[]): Pairs {
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

/** Whether typed arrays are little-endian here, as chunks are stored: then they are copied, not read a number at a time. */
const LITTLE_ENDIAN = endianness() === "LE";

/** Pairs start..end as stored (base64): their keys, then their batches' offsets from `lo`, little-endian. */
export function chunkBytes(run: Pairs, start: number, end: number, lo: number): string {
  const m = end - start;
  const bytes = Buffer.allocUnsafe(8 * m);
  if (LITTLE_ENDIAN) {
    new Int32Array(bytes.buffer, bytes.byteOffset, m).set(run.keys.subarray(start, end));
    const offsets = new Uint32Array(bytes.buffer, bytes.byteOffset + 4 * m, m);
    for (let i = 0; i < m; i++) offsets[i] = (run.seqs[start + i] as number) - lo;
  } else {
    for (let i = 0; i < m; i++) {
      bytes.writeInt32LE(run.keys[start + i] as number, 4 * i);
      bytes.writeUInt32LE((run.seqs[start + i] as number) - lo, 4 * (m + i));
    }
  }
  return bytes.toString("base64");
}

/** A stored chunk's pairs, its batches counted from `lo`. */
export function chunkPairs(base64: string, lo: number): Pairs {
  const bytes = Buffer.from(base64, "base64");
  const m = bytes.length >>> 3;
  const keys = new Int32Array(m);
  const seqs = new Float64Array(m);
  if (LITTLE_ENDIAN) {
    // A copy: the decoded bytes may start at an offset no Int32Array can.
    const aligned = new Uint8Array(bytes).buffer;
    keys.set(new Int32Array(aligned, 0, m));
    const offsets = new Uint32Array(aligned, 4 * m, m);
    for (let i = 0; i < m; i++) seqs[i] = lo + (offsets[i] as number);
  } else {
    for (let i = 0; i < m; i++) {
      keys[i] = bytes.readInt32LE(4 * i);
      seqs[i] = lo + bytes.readUInt32LE(4 * (m + i));
    }
  }
  return { keys, seqs };
}

/** Chunks of a run, in order, decoded as one. */
export async function joined(chunks: readonly { pairs: string }[], lo: number): Promise<Pairs> {
  const parts: Pairs[] = [];
  let n = 0;
  for (const [i, c] of chunks.entries()) {
    const part = chunkPairs(c.pairs, lo);
    parts.push(part);
    n += part.keys.length;
    if (i % 16 === 15) await breathe();
  }
  const keys = new Int32Array(n);
  const seqs = new Float64Array(n);
  let at = 0;
  for (const part of parts) {
    keys.set(part.keys, at);
    seqs.set(part.seqs, at);
    at += part.keys.length;
  }
  return { keys, seqs };
}

/** Sorted runs as one sorted run, without pairs of batches below `live`. */
export async function merged(runs: readonly Pairs[], live: number): Promise<Pairs> {
  const n = runs.reduce((sum, r) => sum + r.keys.length, 0);
  const keys = new Int32Array(n);
  const seqs = new Float64Array(n);
  const at = runs.map(() => 0);
  let out = 0;
  for (let step = 1; ; step++) {
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
    if (seq >= live) {
      keys[out] = bestKey;
      seqs[out] = seq;
      out++;
    }
    if (step % SLICE === 0) await breathe();
  }
  return { keys: keys.subarray(0, out), seqs: seqs.subarray(0, out) };
}

/**
 * The run cut into chunks of at least `size` pairs (the last fewer), a
 * key's pairs never split, each coded as stored; with each chunk's first key.
 */
export async function chunksOf(
  run: Pairs,
  size: number,
  lo: number,
): Promise<{ firsts: number[]; chunks: string[] }> {
  const n = run.keys.length;
  const firsts: number[] = [];
  const chunks: string[] = [];
  for (let start = 0; start < n; ) {
    let end = Math.min(start + size, n);
    while (end < n && run.keys[end] === run.keys[end - 1]) end++;
    firsts.push(run.keys[start] as number);
    chunks.push(chunkBytes(run, start, end, lo));
    start = end;
    if (chunks.length % 16 === 0) await breathe();
  }
  return { firsts, chunks };
}

/** The first place in sorted `keys` whose key is not below `key`. */
export function lowerBound(keys: Int32Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
/** The high halves of a `bigint[]` sent by array_send (base64): a header of 20 bytes, then each as length and value. */
export function arrayKeys(base64: string): Int32Array {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length < 20) return new Int32Array(0);
  const count = bytes.readInt32BE(12);
  const keys = new Int32Array(count);
  for (let i = 0, at = 24; i < count; i++, at += 12) keys[i] = bytes.readInt32BE(at);
  return keys;
}
