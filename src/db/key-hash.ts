/**
 * PostgreSQL's `hashtextextended(key, 0)` computed in JavaScript, for the
 * embedded database (messages/batch.ts, embedded-worker.ts): PGlite hashing
 * a batch's keys from their text cost more than hashing them here and
 * sending the 8-byte results. The stored hashes are compared with
 * those the database computes for a search (searchedKeys), so this must
 * give exactly its result: lookup3 (src/common/hashfn.c,
 * hash_bytes_extended with seed 0) over the key's UTF-8 bytes, which is
 * what a UTF8 database with a deterministic collation hashes.
 * test/integration/message-key-hash.test.ts checks it against the database.
 */

const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** Reused across calls: keys are short, a longer one grows it. */
let bytes = new Uint8Array(256);
let view = new DataView(bytes.buffer);
const encoder = new TextEncoder();

/** The 64 bits of the hash of `key` as two 32-bit halves: [high, low]. */
function halves(key: string): [number, number] {
  // UTF-8 takes at most three bytes per UTF-16 code unit.
  if (key.length * 3 > bytes.length) {
    bytes = new Uint8Array(key.length * 3);
    view = new DataView(bytes.buffer);
  }
  return halvesOf(view, 0, encoder.encodeInto(key, bytes).written);
}

/** The hash of the `len` bytes of `k` from `i` on, as [high, low]. */
function halvesOf(k: DataView, from: number, len: number): [number, number] {
  let i = from;
  let a = (0x9e3779b9 + len + 3923095) | 0;
  let b = a;
  let c = a;
  let n = len;
  while (n >= 12) {
    a = (a + k.getInt32(i, true)) | 0;
    b = (b + k.getInt32(i + 4, true)) | 0;
    c = (c + k.getInt32(i + 8, true)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
    i += 12;
    n -= 12;
  }
  // The last 0–11 bytes; the lowest byte of c is left to the length, as in hashfn.c.
  if (n >= 11) c = (c + (k.getUint8(i + 10) << 24)) | 0;
  if (n >= 10) c = (c + (k.getUint8(i + 9) << 16)) | 0;
  if (n >= 9) c = (c + (k.getUint8(i + 8) << 8)) | 0;
  if (n >= 8) b = (b + (k.getUint8(i + 7) << 24)) | 0;
  if (n >= 7) b = (b + (k.getUint8(i + 6) << 16)) | 0;
  if (n >= 6) b = (b + (k.getUint8(i + 5) << 8)) | 0;
  if (n >= 5) b = (b + k.getUint8(i + 4)) | 0;
  if (n >= 4) a = (a + (k.getUint8(i + 3) << 24)) | 0;
  if (n >= 3) a = (a + (k.getUint8(i + 2) << 16)) | 0;
  if (n >= 2) a = (a + (k.getUint8(i + 1) << 8)) | 0;
  if (n >= 1) a = (a + k.getUint8(i)) | 0;
  // final(a, b, c)
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  return [b, c];
}

/** `hashtextextended(key, 0)`, as the signed 64-bit value the database stores. */
export function hashKey(key: string): bigint {
  const [high, low] = halves(key);
  return (BigInt(high) << 32n) | BigInt(low >>> 0);
}

/** The element type of the array below: int8. */
const INT8_OID = 20;

const NEWLINE = 0x0a;

/** How many keys `lines` holds: one a line (no bytes hold none). */
export function keyCount(lines: Uint8Array): number {
  if (lines.length === 0) return 0;
  let count = 1;
  for (let i = lines.indexOf(NEWLINE); i !== -1; i = lines.indexOf(NEWLINE, i + 1)) count++;
  return count;
}

/** An empty `bigint[]` in binary form: no dimensions, no nulls, its element type. */
const EMPTY_ARRAY = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, INT8_OID]);

/**
 * The hashes of the keys in `lines` (UTF-8, one a line, newline-separated)
 * as a `bigint[]` in PostgreSQL's binary form (a one-dimensional array
 * without nulls: its header, then each element as its length, 8, and its
 * big-endian value), which a binary parameter carries as it is. Each key
 * is hashed where it lies in the bytes.
 */
export function hashedKeyArray(lines: Uint8Array): Uint8Array {
  const count = keyCount(lines);
  if (count === 0) return EMPTY_ARRAY;
  const keys = new DataView(lines.buffer, lines.byteOffset, lines.byteLength);
  const out = new Uint8Array(20 + count * 12);
  const array = new DataView(out.buffer);
  array.setInt32(0, 1); // dimensions
  array.setInt32(4, 0); // no nulls
  array.setInt32(8, INT8_OID);
  array.setInt32(12, count);
  array.setInt32(16, 1); // lower bound
  let at = 20;
  let start = 0;
  for (let n = 0; n < count; n++) {
    let end = lines.indexOf(NEWLINE, start);
    if (end === -1) end = lines.length;
    const [high, low] = halvesOf(keys, start, end - start);
    array.setInt32(at, 8);
    array.setInt32(at + 4, high);
    array.setInt32(at + 8, low);
    at += 12;
    start = end + 1;
  }
  return out;
}
