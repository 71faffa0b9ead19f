// Route hints: what routed traffic taught the hub, so messages without OCPI-to find their party.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { routeHints } from "../db/schema/index.js";
import { type PartyRef, upperParty as upper } from "../ocpi/parties.js";

export type HintKind = (typeof routeHints.$inferSelect)["kind"];

/** A remembered hint is not written again; beyond this many the memory starts over. */
const KNOWN_MAX = 100_000;

/** Writes and reads of route hints; each instance remembers the hints it wrote. */
export function routingHints(db: Database) {
  const known = new Map<string, string>();

  return {
    async putHint(
      kind: HintKind,
      owner: PartyRef,
      objectId: string,
      target: PartyRef,
      now: Date,
    ): Promise<void> {
      const o = upper(owner);
      const t = upper(target);
      objectId = objectId.toUpperCase();
      const key = `${kind}|${o.countryCode}|${o.partyId}|${objectId}`;
      const value = `${t.countryCode}|${t.partyId}`;
      if (known.get(key) === value) return;
      await db
        .insert(routeHints)
        .values({
          kind,
          countryCode: o.countryCode,
          partyId: o.partyId,
          objectId,
          targetCountryCode: t.countryCode,
          targetPartyId: t.partyId,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [
            routeHints.kind,
            routeHints.countryCode,
            routeHints.partyId,
            routeHints.objectId,
          ],
          set: { targetCountryCode: t.countryCode, targetPartyId: t.partyId, updatedAt: now },
        });
      if (known.size >= KNOWN_MAX) known.clear();
      known.set(key, value);
    },

    /** The target recorded for one object of one owner. */
    async hint(kind: HintKind, owner: PartyRef, objectId: string): Promise<PartyRef | undefined> {
      const o = upper(owner);
      const [row] = await db
        .select({ countryCode: routeHints.targetCountryCode, partyId: routeHints.targetPartyId })
        .from(routeHints)
        .where(
          and(
            eq(routeHints.kind, kind),
            eq(routeHints.countryCode, o.countryCode),
            eq(routeHints.partyId, o.partyId),
            eq(routeHints.objectId, objectId.toUpperCase()),
          ),
        );
      return row;
    },

    /** Every owner of an object id of this kind, with its target; ids are unique per owner only. */
    async hintsFor(
      kind: HintKind,
      objectId: string,
    ): Promise<{ owner: PartyRef; target: PartyRef }[]> {
      const rows = await db
        .select()
        .from(routeHints)
        .where(and(eq(routeHints.kind, kind), eq(routeHints.objectId, objectId.toUpperCase())));
      return rows.map((r) => ({
        owner: { countryCode: r.countryCode, partyId: r.partyId },
        target: { countryCode: r.targetCountryCode, partyId: r.targetPartyId },
      }));
    },
  };
}
