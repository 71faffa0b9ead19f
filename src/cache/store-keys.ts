// What a catch-up delivery needs: which objects changed, and an object's current document.
import { and, asc, eq, gte, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { cachedTokens, locations, tariffs } from "../db/schema/index.js";
import type { ObjectRef } from "../modules/module-spec.js";
import type { PartyRef } from "../ocpi/parties.js";
import type { Json } from "./apply.js";
import { allowedToSql, audienceOf } from "./publication.js";
import type { cacheTokens } from "./store-cached-tokens.js";
import type { cacheReads } from "./store-reads.js";
import type { CachedModule } from "./store-shared.js";

/**
 * Each module's table, its id column as the document names it, and which
 * of its rows a recipient platform may see: published locations, and the
 * unpublished ones its tokens unlock (publication.ts).
 */
const KEYED = {
  locations: {
    table: locations,
    idField: "id",
    type: sql<string | null>`null`,
    listed: (recipient: string | undefined): SQL | undefined =>
      recipient === undefined
        ? eq(locations.published, true)
        : or(eq(locations.published, true), allowedToSql(sql`${locations.data}`, recipient)),
    /** Whether every recipient may see the document: a published location. */
    everyone: (doc: Json) => audienceOf(doc).everyone,
  },
  tariffs: {
    table: tariffs,
    idField: "id",
    type: sql<string | null>`null`,
    listed: (): SQL | undefined => undefined,
    everyone: (_doc: Json) => true,
  },
  tokens: {
    table: cachedTokens,
    idField: "uid",
    type: sql<string | null>`${cachedTokens.type}`,
    listed: (): SQL | undefined => undefined,
    everyone: (_doc: Json) => true,
  },
};

/** The keys of changed objects and the current document of one of them. */
export function cacheKeys(
  db: Database,
  reads: Pick<ReturnType<typeof cacheReads>, "locationsWithId" | "tariffsWithId"> &
    Pick<ReturnType<typeof cacheTokens>, "tokensWithId">,
) {
  /**
   * One owner's objects with this key; with a recipient, only a location
   * it may see (published, or unlocked by its tokens).
   */
  const ownedWithId = {
    locations: (key: ObjectRef, recipient: string | undefined) =>
      reads.locationsWithId(key.id, {
        owner: key.owner,
        hidden: [],
        published: recipient !== undefined,
        viewer: recipient,
      }),
    tariffs: (key: ObjectRef) => reads.tariffsWithId(key.id, { owner: key.owner, hidden: [] }),
    tokens: (key: ObjectRef) =>
      reads.tokensWithId(key.id, { owner: key.owner, type: key.type ?? "RFID", hidden: [] }),
  };

  return {
    /**
     * The objects the recipient platform may see (every platform, without
     * one) that changed since `since` (all of them without it), in the
     * order they were first cached; the id as the document spells it.
     */
    async changedKeys(
      module: CachedModule,
      filter: { recipient?: string; hidden: readonly string[]; since?: Date },
    ): Promise<ObjectRef[]> {
      const { table, idField, type, listed } = KEYED[module];
      const rows = await db
        .select({
          cc: table.countryCode,
          pid: table.partyId,
          id: sql<string>`${table.data}->>${sql.raw(`'${idField}'`)}`,
          type,
        })
        .from(table)
        .where(
          and(
            listed(filter.recipient),
            filter.hidden.length > 0 ? notInArray(table.platformId, [...filter.hidden]) : undefined,
            filter.since === undefined ? undefined : gte(table.lastUpdated, filter.since),
          ),
        )
        .orderBy(asc(table.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.cc, partyId: r.pid },
        id: r.id,
        ...(r.type === null ? {} : { type: r.type }),
      }));
    },

    /**
     * An object's document as JSON text, EVSE statuses laid over; undefined
     * when it is not cached, or is a location the recipient may not see.
     */
    async currentDoc(
      module: CachedModule,
      owner: PartyRef,
      id: string,
      options: { type?: string; recipient?: string } = {},
    ): Promise<string | undefined> {
      const found = await ownedWithId[module]({ owner, id, type: options.type }, options.recipient);
      return found[0] === undefined ? undefined : JSON.stringify(found[0].doc);
    },

    /**
     * An object's document as JSON text whoever asks, and whether every
     * recipient may see it (false for a location that is not published:
     * then currentDoc with the recipient decides); undefined when it is not
     * cached.
     */
    async currentCopy(
      module: CachedModule,
      owner: PartyRef,
      id: string,
      options: { type?: string } = {},
    ): Promise<{ doc: string; everyone: boolean } | undefined> {
      const [found] = await ownedWithId[module]({ owner, id, type: options.type }, undefined);
      if (found === undefined) return undefined;
      return { doc: JSON.stringify(found.doc), everyone: KEYED[module].everyone(found.doc) };
    },
  };
}
