import type { CachedModule } from "../cache/store-shared.js";
import type { PartyRef } from "../ocpi/parties.js";
import type { CachedObjects } from "./catch-up.js";

/**
 * How long a read of a current copy may serve other sends (ms): it is
 * kept for one to two of these.
 */
const KEEP_MS = 1_000;

/** The current copies deliveries send, read once for the recipients that need the same one. */
export interface CurrentCopies {
  /**
   * The object's current copy as JSON text for `recipient`; undefined when
   * it is not cached or the recipient may not see it. With `asOf` (a
   * performance.now() time of this process), a read that started after it
   * may be shared.
   */
  currentDoc(
    module: CachedModule,
    owner: PartyRef,
    id: string,
    options: { type?: string; recipient?: string; asOf?: number },
  ): Promise<string | undefined>;
}

interface Read {
  startedAt: number;
  copy: Promise<{ doc: string; everyone: boolean } | undefined>;
}

/**
 * A recipient behind gets one update per object, the hub's current copy
 * (queue.ts collapse()), and when a push falls behind at many recipients
 * at once each of them asked the cache for the same document. A delivery
 * whose updates were all taken in by `asOf` needs a read that started
 * after it: each update was in the cache before it was queued, so such a
 * read holds them all, and any newer update is queued after them and sent
 * after this send. So a read is shared by every send of that object whose
 * `asOf` it follows, for a second or two; a location not
 * published to everyone is read for each recipient, as before.
 */
export function sharedCurrentCopies(
  cached: Pick<CachedObjects, "currentDoc" | "currentCopy">,
  now: () => number = () => performance.now(),
): CurrentCopies {
  let fresh = new Map<string, Read>();
  let older = new Map<string, Read>();
  let rotatedAt = now();

  function readFor(key: string, asOf: number, start: () => Read["copy"]): Read {
    const at = now();
    if (at - rotatedAt >= KEEP_MS) {
      // The reads of the last period are kept for one more; older ones go.
      older = at - rotatedAt >= 2 * KEEP_MS ? new Map() : fresh;
      fresh = new Map();
      rotatedAt = at;
    }
    const kept = fresh.get(key) ?? older.get(key);
    // Strictly after: a read and a take-in the clock cannot tell apart are not ordered.
    if (kept !== undefined && kept.startedAt > asOf) return kept;
    const read: Read = { startedAt: at, copy: start() };
    fresh.set(key, read);
    // A failed read serves nobody after it: the next send reads again.
    read.copy.catch(() => {
      if (fresh.get(key) === read) fresh.delete(key);
      if (older.get(key) === read) older.delete(key);
    });
    return read;
  }

  return {
    async currentDoc(module, owner, id, options) {
      const { type, recipient, asOf } = options;
      if (asOf === undefined) return cached.currentDoc(module, owner, id, { type, recipient });
      const key = `${module}\n${owner.countryCode}\n${owner.partyId}\n${type ?? ""}\n${id}`;
      const copy = await readFor(key, asOf, () => cached.currentCopy(module, owner, id, { type }))
        .copy;
      if (copy === undefined) return undefined;
      if (copy.everyone || recipient === undefined) return copy.doc;
      return cached.currentDoc(module, owner, id, { type, recipient });
    },
  };
}
