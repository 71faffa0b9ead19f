// Route hints: what routed traffic taught the hub, so messages without OCPI-to find their party.
import { and, asc, eq, lt } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { routeHints } from "../db/schema/index.js";
import { type PartyRef, upperParty as upper } from "../ocpi/parties.js";

export type HintKind = (typeof routeHints.$inferSelect)["kind"];

/** A remembered hint is not written again; beyond this many the memory starts over. */
const KNOWN_MAX = 100_000;

/** A hint no traffic has renewed for this long is deleted: it would only attract stale traffic. */
export const HINT_TTL_MS = 90 * 24 * 60 * 60_000;

/** What a request taught: who owns an object id of a kind, where it goes, and which platform said so. */
export interface HintClaim {
  kind: HintKind;
  /** The platform whose request taught it; the hint goes when that platform is removed. */
  platformId: string;
  owner: PartyRef;
  objectId: string;
  target: PartyRef;
}

/** Writes and reads of route hints; each instance remembers the hints it wrote. */
export function routingHints(db: Database) {
  const known = new Map<string, string>();

  return {
    async putHint(claim: HintClaim, now: Date): Promise<void> {
      const { kind, platformId } = claim;
      const o = upper(claim.owner);
      const t = upper(claim.target);
      const objectId = claim.objectId.toUpperCase();
      const key = `${kind}|${o.countryCode}|${o.partyId}|${objectId}`;
      const value = `${t.countryCode}|${t.partyId}|${platformId}`;
      if (known.get(key) === value) return;
      await db
        .insert(routeHints)
        .values({
          kind,
          platformId,
          countryCode: o.countryCode,
          partyId: o.partyId,
          objectId,
          targetCountryCode: t.countryCode,
          targetPartyId: t.partyId,
          updatedAt: now,
          createdAt: now,
        })
        .onConflictDoUpdate({
          target: [
            routeHints.kind,
            routeHints.countryCode,
            routeHints.partyId,
            routeHints.objectId,
          ],
          set: {
            platformId,
            targetCountryCode: t.countryCode,
            targetPartyId: t.partyId,
            updatedAt: now,
          },
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

    /**
     * Every owner of an object id of this kind, with its target, the
     * earliest claim first; ids are unique per owner only.
     */
    async hintsFor(
      kind: HintKind,
      objectId: string,
    ): Promise<{ owner: PartyRef; target: PartyRef }[]> {
      const rows = await db
        .select()
        .from(routeHints)
        .where(and(eq(routeHints.kind, kind), eq(routeHints.objectId, objectId.toUpperCase())))
        .orderBy(asc(routeHints.createdAt), asc(routeHints.countryCode), asc(routeHints.partyId));
      return rows.map((r) => ({
        owner: { countryCode: r.countryCode, partyId: r.partyId },
        target: { countryCode: r.targetCountryCode, partyId: r.targetPartyId },
      }));
    },

    /** Deletes hints no traffic renewed within HINT_TTL_MS; returns how many. */
    async pruneHints(now: Date): Promise<number> {
      known.clear();
      const gone = await db
        .delete(routeHints)
        .where(lt(routeHints.updatedAt, new Date(now.getTime() - HINT_TTL_MS)))
        .returning({ kind: routeHints.kind });
      return gone.length;
    },
  };
}
