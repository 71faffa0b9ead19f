/**
 * UTF-8 bytes appended to, in a Buffer outside the JavaScript heap that
 * grows by doubling. Appended text is gathered and encoded some 8,000
 * characters at a time: one encoding call per entry's row and keys cost
 * about a sixth of writing an entry (docs/performance.md, "Text encoded
 * a few kilobytes at a time").
 */
export class ByteSink {
  #buffer: Buffer;
  #end = 0;
  /** Appended text not yet encoded. */
  #pending = "";

  constructor(initial: number) {
    this.#buffer = Buffer.allocUnsafe(initial);
  }

  append(value: string): void {
    this.#pending += value;
    if (this.#pending.length >= PENDING) this.#encode();
  }

  #encode(): void {
    const value = this.#pending;
    this.#pending = "";
    // UTF-8 takes at most three bytes per UTF-16 code unit.
    const need = this.#end + value.length * 3;
    if (need > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, need));
      this.#buffer.copy(grown, 0, 0, this.#end);
      this.#buffer = grown;
    }
    this.#end += this.#buffer.write(value, this.#end, "utf8");
  }

  bytes(): Uint8Array {
    if (this.#pending.length > 0) this.#encode();
    return this.#buffer.subarray(0, this.#end);
  }

  /** Its capacity, in bytes. */
  get capacity(): number {
    return this.#buffer.length;
  }

  /** Empties it, keeping its buffer. */
  reset(): void {
    this.#end = 0;
    this.#pending = "";
  }
}

/** Characters of text a ByteSink gathers before it encodes them. */
const PENDING = 8 * 1024;

/**
 * Sinks of written batches, emptied and kept for the next ones. A new
 * batch's sinks grew by doubling to several hundred kilobytes, new memory
 * each time, which the kernel hands out a page fault at a time on the
 * hub's thread (docs/performance.md, "A load generator that leaves the
 * hub its core"). Kept: a few, none larger than SPARE_BYTES (bodies make
 * batches of megabytes).
 */
const spare: ByteSink[] = [];
const SPARE_SINKS = 4;
const SPARE_BYTES = 4 * 1024 * 1024;

export function takeSink(initial: number): ByteSink {
  return spare.pop() ?? new ByteSink(initial);
}

export function giveSink(sink: ByteSink): void {
  if (spare.length >= SPARE_SINKS || sink.capacity > SPARE_BYTES) return;
  sink.reset();
  spare.push(sink);
}
