// A CPO's pushes and deletions of tariffs.
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { tariffs } from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import { upperParty } from "../ocpi/parties.js";
import { type Json, namedAs } from "./apply.js";
import type { Pulled } from "./store-pulls.js";
import { timestampOf } from "./store-shared.js";

/** Tariff writes a CPO pushes (tariffs: Receiver interface). */
export function cacheTariffWrites(db: Database) {
  return {
    /**
     * A CPO's PUT of a tariff; "stale" when the cache holds a newer one.
     * The tariff is written named as its URL names it (see namedAs).
     */
    async putTariff(
      platformId: string,
      owner: PartyRef,
      tariffId: string,
      doc: Json,
    ): Promise<"applied" | "stale"> {
      const names = { country_code: owner.countryCode, party_id: owner.partyId, id: tariffId };
      const named = namedAs(doc, names);
      const written = await pushTariff(db, platformId, { owner, id: tariffId, doc: named });
      return written > 0 ? "applied" : "stale";
    },

    /** A CPO's DELETE of a tariff. */
    async deleteTariff(owner: PartyRef, tariffId: string): Promise<void> {
      const k = upperParty(owner);
      await db
        .delete(tariffs)
        .where(
          and(
            eq(tariffs.countryCode, k.countryCode),
            eq(tariffs.partyId, k.partyId),
            eq(tariffs.tariffId, tariffId.toUpperCase()),
          ),
        );
    },
  };
}

/** A CPO's PUT of a tariff: written unless the cache holds a newer one; rows written. */
async function pushTariff(db: Database, platformId: string, pushed: Pulled): Promise<number> {
  const owner = upperParty(pushed.owner);
  const rows = await db
    .insert(tariffs)
    .values({
      platformId,
      countryCode: owner.countryCode,
      partyId: owner.partyId,
      tariffId: pushed.id.toUpperCase(),
      lastUpdated: timestampOf(pushed.doc.last_updated),
      refreshedAt: sql`now()`,
      data: pushed.doc,
    })
    .onConflictDoUpdate({
      target: [tariffs.countryCode, tariffs.partyId, tariffs.tariffId],
      set: {
        platformId,
        refreshedAt: sql`now()`,
        data: sql`excluded.data`,
        lastUpdated: sql`excluded.last_updated`,
      },
      setWhere: sql`excluded.last_updated >= ${tariffs.lastUpdated}`,
    })
    .returning({ seq: tariffs.seq });
  return rows.length;
}
