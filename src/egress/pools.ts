import { Pool } from "undici";

/**
 * The keep-alive pools of the outbound client, one per key (a receiving
 * platform) and origin, at most `max` of them: a new origin past the bound
 * closes the least recently used pool, so origins a platform makes up (a
 * new host or port per pagination Link, say) cannot pile up sockets.
 */
export interface Pools {
  /** The pool for this key and origin, opened on first use. */
  get(key: string | undefined, origin: string): Pool;
  /** Closes the pools of a key once their requests have ended. */
  release(key: string): Promise<void>;
  readonly size: number;
  close(): Promise<void>;
}

export function createPools(options: Pool.Options, max: number): Pools {
  /** `used` orders them for closing the least recently used. */
  const pools = new Map<string, { pool: Pool; used: number }>();
  let uses = 0;

  /** A scan, but only when a new origin finds the bound reached. */
  function closeLeastRecent(): void {
    let oldest: string | undefined;
    let least = Number.POSITIVE_INFINITY;
    for (const [id, entry] of pools) {
      if (entry.used < least) {
        least = entry.used;
        oldest = id;
      }
    }
    if (oldest === undefined) return;
    const entry = pools.get(oldest);
    pools.delete(oldest);
    // Requests under way on it end first; close() waits for them.
    entry?.pool.close().catch(() => {});
  }

  return {
    get(key, origin) {
      const id = `${key ?? ""} ${origin}`;
      let entry = pools.get(id);
      if (entry === undefined) {
        if (pools.size >= max) closeLeastRecent();
        entry = { pool: new Pool(origin, options), used: 0 };
        pools.set(id, entry);
      }
      entry.used = ++uses;
      return entry.pool;
    },
    async release(key) {
      const closing: Promise<void>[] = [];
      for (const [id, entry] of pools) {
        if (!id.startsWith(`${key} `)) continue;
        pools.delete(id);
        closing.push(entry.pool.close());
      }
      await Promise.all(closing);
    },
    get size() {
      return pools.size;
    },
    async close() {
      const closing = [...pools.values()].map((entry) => entry.pool.close());
      pools.clear();
      await Promise.all(closing);
    },
  };
}
