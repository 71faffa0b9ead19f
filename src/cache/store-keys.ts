// What a catch-up delivery needs: which objects changed, and an object's current document.
import { and, asc, eq, gte, notInArray, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { locations, tariffs } from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import type { cacheReads } from "./store-reads.js";
import type { CachedModule } from "./store-shared.js";

/** Each module's table, its id column, and which of its rows every eMSP may see. */
const KEYED = {
  locations: { table: locations, id: locations.locationId, listed: eq(locations.published, true) },
  tariffs: { table: tariffs, id: tariffs.tariffId, listed: undefined },
};

/** The keys of changed objects and the current document of one of them. */
export function cacheKeys(
  db: Database,
  reads: Pick<ReturnType<typeof cacheReads>, "locationsWithId" | "tariffsWithId">,
) {
  /** One owner's objects with this id, whether or not they are listed for everyone. */
  const ownedWithId = {
    locations: (owner: PartyRef, id: string) =>
      reads.locationsWithId(id, { owner, hidden: [], published: false }),
    tariffs: (owner: PartyRef, id: string) => reads.tariffsWithId(id, { owner, hidden: [] }),
  };

  return {
    /**
     * The objects an eMSP may see that changed since `since` (all of them
     * without it), in the order they were first cached; the id as the
     * document spells it.
     */
    async changedKeys(
      module: CachedModule,
      filter: { hidden: readonly string[]; since?: Date },
    ): Promise<{ owner: PartyRef; id: string }[]> {
      const { table, id, listed } = KEYED[module];
      const rows = await db
        .select({
          cc: table.countryCode,
          pid: table.partyId,
          id,
          data: sql<string | null>`${table.data}->>'id'`,
        })
        .from(table)
        .where(
          and(
            listed,
            filter.hidden.length > 0 ? notInArray(table.platformId, [...filter.hidden]) : undefined,
            filter.since === undefined ? undefined : gte(table.lastUpdated, filter.since),
          ),
        )
        .orderBy(asc(table.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.cc, partyId: r.pid },
        id: r.data ?? r.id,
      }));
    },

    /** An object's document as JSON text, EVSE statuses laid over; undefined when not cached. */
    async currentDoc(
      module: CachedModule,
      owner: PartyRef,
      id: string,
    ): Promise<string | undefined> {
      const found = await ownedWithId[module](owner, id);
      return found[0] === undefined ? undefined : JSON.stringify(found[0].doc);
    },
  };
}
