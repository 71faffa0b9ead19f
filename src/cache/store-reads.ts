// Reads of single objects of the cache by id.
import { and, asc, eq, notInArray, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { locations, tariffs } from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import { upperParty } from "../ocpi/parties.js";
import type { Json } from "./apply.js";
import { allowedToSql } from "./publication.js";
import { statusesOf, withStatuses } from "./store-shared.js";

/** A cached object with the party that owns it. */
export interface Owned {
  owner: PartyRef;
  doc: Json;
}

/** The reads of locations and tariffs by id. */
export function cacheReads(db: Database) {
  return {
    /**
     * The locations with this id, of one owner or of any; with `published`
     * they must be listed for everyone, or unlocked by one of the `viewer`
     * platform's tokens (publish_allowed_to).
     */
    async locationsWithId(
      id: string,
      options: {
        owner?: PartyRef;
        hidden: readonly string[];
        published: boolean;
        viewer?: string;
      },
    ): Promise<Owned[]> {
      const owner = options.owner && upperParty(options.owner);
      const rows = await db
        .select({
          countryCode: locations.countryCode,
          partyId: locations.partyId,
          data: sql<string>`${locations.data}::text`,
          statuses: statusesOf,
        })
        .from(locations)
        .where(
          and(
            eq(locations.locationId, id.toUpperCase()),
            owner && eq(locations.countryCode, owner.countryCode),
            owner && eq(locations.partyId, owner.partyId),
            options.published
              ? or(
                  eq(locations.published, true),
                  options.viewer === undefined
                    ? undefined
                    : allowedToSql(sql`${locations.data}`, options.viewer),
                )
              : undefined,
            options.hidden.length > 0
              ? notInArray(locations.platformId, [...options.hidden])
              : undefined,
          ),
        )
        .orderBy(asc(locations.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.countryCode, partyId: r.partyId },
        doc: JSON.parse(withStatuses(r.data, r.statuses)) as Json,
      }));
    },

    /** The CPOs with a cached location of this id, the earliest written first (open routing). */
    async locationOwners(id: string): Promise<PartyRef[]> {
      return db
        .select({ countryCode: locations.countryCode, partyId: locations.partyId })
        .from(locations)
        .where(eq(locations.locationId, id.toUpperCase()))
        .orderBy(locations.seq);
    },

    /** The tariffs with this id, of one owner or of any. */
    async tariffsWithId(
      id: string,
      options: { owner?: PartyRef; hidden: readonly string[] },
    ): Promise<Owned[]> {
      const owner = options.owner && upperParty(options.owner);
      const rows = await db
        .select({
          countryCode: tariffs.countryCode,
          partyId: tariffs.partyId,
          data: tariffs.data,
        })
        .from(tariffs)
        .where(
          and(
            eq(tariffs.tariffId, id.toUpperCase()),
            owner && eq(tariffs.countryCode, owner.countryCode),
            owner && eq(tariffs.partyId, owner.partyId),
            options.hidden.length > 0
              ? notInArray(tariffs.platformId, [...options.hidden])
              : undefined,
          ),
        )
        .orderBy(asc(tariffs.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.countryCode, partyId: r.partyId },
        doc: r.data as Json,
      }));
    },
  };
}
