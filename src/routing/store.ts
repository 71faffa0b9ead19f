import { and, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  type CallbackRow,
  type CdrLinkRow,
  callbacks,
  cdrLinks,
  routeHints,
  tokens,
} from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";

export type HintKind = (typeof routeHints.$inferSelect)["kind"];

export interface TokenFact {
  owner: PartyRef;
  uid: string;
  type: string;
  valid?: boolean;
  lastUpdated: string;
}

/** A remembered hint is not written again; beyond this many the memory starts over. */
const KNOWN_MAX = 100_000;

const upper = (p: PartyRef): PartyRef => ({
  countryCode: p.countryCode.toUpperCase(),
  partyId: p.partyId.toUpperCase(),
});

/**
 * What routing keeps in the database: the token index, route hints,
 * callbacks and CDR links. Callers hold no SQL.
 */
export function createRoutingStore(db: Database) {
  const known = new Map<string, string>();

  return {
    /** Records a token an eMSP pushed in full (tokens: PUT). */
    async putToken(token: Required<TokenFact>, now: Date): Promise<void> {
      const owner = upper(token.owner);
      const values = {
        countryCode: owner.countryCode,
        partyId: owner.partyId,
        uid: token.uid.toUpperCase(),
        type: token.type,
        valid: token.valid,
        lastUpdated: token.lastUpdated,
        seenAt: now,
      };
      await db
        .insert(tokens)
        .values(values)
        .onConflictDoUpdate({
          target: [tokens.countryCode, tokens.partyId, tokens.uid, tokens.type],
          set: { valid: values.valid, lastUpdated: values.lastUpdated, seenAt: now },
        });
    },

    /** Applies a token PATCH; a patch of a token never pushed in full still records its owner. */
    async patchToken(token: TokenFact, now: Date): Promise<void> {
      const owner = upper(token.owner);
      await db
        .insert(tokens)
        .values({
          countryCode: owner.countryCode,
          partyId: owner.partyId,
          uid: token.uid.toUpperCase(),
          type: token.type,
          valid: token.valid ?? true,
          lastUpdated: token.lastUpdated,
          seenAt: now,
        })
        .onConflictDoUpdate({
          target: [tokens.countryCode, tokens.partyId, tokens.uid, tokens.type],
          set: {
            ...(token.valid === undefined ? {} : { valid: token.valid }),
            lastUpdated: token.lastUpdated,
            seenAt: now,
          },
        });
    },

    /** The eMSPs that pushed a token with this uid and type. */
    async tokenOwners(uid: string, type: string): Promise<PartyRef[]> {
      return db
        .select({ countryCode: tokens.countryCode, partyId: tokens.partyId })
        .from(tokens)
        .where(and(eq(tokens.uid, uid.toUpperCase()), eq(tokens.type, type)));
    },

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

    async createCallback(row: typeof callbacks.$inferInsert): Promise<void> {
      await db.insert(callbacks).values(row);
    },

    /** Keeps a callback until `expiresAt` once the receiver accepted the request. */
    async keepCallback(id: string, expiresAt: Date, reusable: boolean): Promise<void> {
      await db.update(callbacks).set({ expiresAt, reusable }).where(eq(callbacks.id, id));
    },

    async dropCallback(id: string): Promise<void> {
      await db.delete(callbacks).where(eq(callbacks.id, id));
    },

    /** A callback that has not expired, used or not. */
    async findCallback(id: string, now: Date): Promise<CallbackRow | undefined> {
      const [row] = await db
        .select()
        .from(callbacks)
        .where(and(eq(callbacks.id, id), gt(callbacks.expiresAt, now)));
      return row;
    },

    /**
     * Takes a callback for one result: atomically, so two results posted at
     * once cannot both pass. A reusable one (a reservation) stays open.
     */
    async claimCallback(id: string, now: Date): Promise<boolean> {
      const rows = await db
        .update(callbacks)
        .set({ usedAt: now })
        .where(
          and(
            eq(callbacks.id, id),
            gt(callbacks.expiresAt, now),
            or(isNull(callbacks.usedAt), eq(callbacks.reusable, true)),
          ),
        )
        .returning({ id: callbacks.id });
      return rows.length === 1;
    },

    /** Gives a claimed callback back when its result could not be delivered, so it can be retried. */
    async releaseCallback(id: string): Promise<void> {
      await db
        .update(callbacks)
        .set({ usedAt: null })
        .where(and(eq(callbacks.id, id), eq(callbacks.reusable, false)));
    },

    async purgeExpiredCallbacks(now: Date): Promise<number> {
      const rows = await db
        .delete(callbacks)
        .where(lte(callbacks.expiresAt, now))
        .returning({ id: callbacks.id });
      return rows.length;
    },

    async createCdrLink(row: CdrLinkRow): Promise<void> {
      await db.insert(cdrLinks).values(row);
    },

    async findCdrLink(id: string): Promise<CdrLinkRow | undefined> {
      const [row] = await db.select().from(cdrLinks).where(eq(cdrLinks.id, id));
      return row;
    },

    /** Rows per table, for tests and the operator. */
    async counts(): Promise<Record<string, number>> {
      const count = sql<number>`count(*)::int`;
      const [t] = await db.select({ n: count }).from(tokens);
      const [h] = await db.select({ n: count }).from(routeHints);
      const [c] = await db.select({ n: count }).from(callbacks);
      return { tokens: t?.n ?? 0, route_hints: h?.n ?? 0, callbacks: c?.n ?? 0 };
    },
  };
}

export type RoutingStore = ReturnType<typeof createRoutingStore>;
