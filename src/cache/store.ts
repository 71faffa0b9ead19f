import type { Database } from "../db/client.js";
import { cacheTokenReferences, cacheTokens } from "./store-cached-tokens.js";
import { cacheKeys } from "./store-keys.js";
import { cacheLists } from "./store-lists.js";
import { cachePulls } from "./store-pulls.js";
import { cachePushes } from "./store-pushes.js";
import { cacheReads } from "./store-reads.js";
import type { KnownEvses } from "./store-shared.js";
import { cacheSyncRecords } from "./store-syncs.js";
import { cacheTariffWrites } from "./store-tariffs.js";

export type { OwnedToken, TokenPush } from "./store-cached-tokens.js";
export { type ListPage, type ListQuery, scanWindow } from "./store-lists.js";
export type { Pulled } from "./store-pulls.js";
export type { LocationPush, PushOutcome } from "./store-pushes.js";
export type { Owned } from "./store-reads.js";
export type { CachedModule } from "./store-shared.js";

/**
 * Every read and write of the location, tariff and token cache; callers hold no SQL.
 * Each concern lives in its own store-*.ts; the EVSEs this instance has seen
 * are one memory shared by the pushes and the syncs that write them.
 */
export function createCacheStore(db: Database) {
  const knownEvses: KnownEvses = new Set<string>();
  const reads = cacheReads(db);
  const tokens = cacheTokens(db);
  return {
    ...cacheLists(db),
    ...reads,
    ...tokens,
    ...cacheTokenReferences(db),
    ...cacheKeys(db, { ...reads, ...tokens }),
    ...cachePushes(db, knownEvses),
    ...cacheTariffWrites(db),
    ...cachePulls(db, knownEvses),
    ...cacheSyncRecords(db),
  };
}

export type CacheStore = ReturnType<typeof createCacheStore>;
