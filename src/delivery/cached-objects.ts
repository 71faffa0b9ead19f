import { and, asc, eq, gte, notInArray, sql } from "drizzle-orm";
import type { CacheStore } from "../cache/store.js";
import type { Database } from "../db/client.js";
import { locations, tariffs } from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import type { CachedObjects } from "./catch-up.js";
import type { CachedModule } from "./queue.js";

type Keys = { owner: PartyRef; id: string }[];

/**
 * Catch-up's reads of the cache, until the cache store answers them itself
 * (changedKeys and currentDoc); then deps.ts passes the store instead and
 * this file goes.
 */
export function createCachedObjects(db: Database, cache: CacheStore): CachedObjects {
  const changed: Record<
    CachedModule,
    (hidden: readonly string[], since: Date | undefined) => Promise<Keys>
  > = {
    async locations(hidden, since) {
      const rows = await db
        .select({
          cc: locations.countryCode,
          pid: locations.partyId,
          id: locations.locationId,
          data: sql<string>`${locations.data}->>'id'`,
        })
        .from(locations)
        .where(
          and(
            eq(locations.published, true),
            hidden.length > 0 ? notInArray(locations.platformId, [...hidden]) : undefined,
            since === undefined ? undefined : gte(locations.lastUpdated, since),
          ),
        )
        .orderBy(asc(locations.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.cc, partyId: r.pid },
        id: r.data ?? r.id,
      }));
    },
    async tariffs(hidden, since) {
      const rows = await db
        .select({
          cc: tariffs.countryCode,
          pid: tariffs.partyId,
          id: tariffs.tariffId,
          data: sql<string>`${tariffs.data}->>'id'`,
        })
        .from(tariffs)
        .where(
          and(
            hidden.length > 0 ? notInArray(tariffs.platformId, [...hidden]) : undefined,
            since === undefined ? undefined : gte(tariffs.lastUpdated, since),
          ),
        )
        .orderBy(asc(tariffs.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.cc, partyId: r.pid },
        id: r.data ?? r.id,
      }));
    },
  };

  /** One owner's objects with this id, listed for everyone or not. */
  const withId: Record<CachedModule, (owner: PartyRef, id: string) => Promise<{ doc: unknown }[]>> =
    {
      locations: (owner, id) => cache.locationsWithId(id, { owner, hidden: [], published: false }),
      tariffs: (owner, id) => cache.tariffsWithId(id, { owner, hidden: [] }),
    };

  return {
    changedKeys: (module, filter) => changed[module](filter.hidden, filter.since),
    async currentDoc(module, owner, id) {
      const found = await withId[module](owner, id);
      return found[0] === undefined ? undefined : JSON.stringify(found[0].doc);
    },
  };
}
