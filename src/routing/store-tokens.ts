// The token index: which eMSP pushed which token, for routing a CPO's real-time authorization.
import { and, asc, eq, lt, notExists } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { cachedTokens, tokens } from "../db/schema/index.js";
import { type PartyRef, upperParty as upper } from "../ocpi/parties.js";

/**
 * A token no eMSP pushed or patched for this long leaves the index, unless
 * the cache holds it: a cached token stays routable as long as its
 * platform is registered (both go with the platform).
 */
export const TOKEN_TTL_MS = 365 * 24 * 60 * 60_000;

export interface TokenFact {
  /** The platform that pushed it; its index entries go when it is removed. */
  platformId: string;
  owner: PartyRef;
  uid: string;
  type: string;
  valid?: boolean;
  lastUpdated: string;
}

/** Writes and reads of the token index. */
export function routingTokens(db: Database) {
  return {
    /** Records a token an eMSP pushed in full (tokens: PUT). */
    async putToken(token: Required<TokenFact>, now: Date): Promise<void> {
      const owner = upper(token.owner);
      const values = {
        platformId: token.platformId,
        countryCode: owner.countryCode,
        partyId: owner.partyId,
        uid: token.uid.toUpperCase(),
        type: token.type,
        valid: token.valid,
        lastUpdated: token.lastUpdated,
        seenAt: now,
        firstSeenAt: now,
      };
      await db
        .insert(tokens)
        .values(values)
        .onConflictDoUpdate({
          target: [tokens.countryCode, tokens.partyId, tokens.uid, tokens.type],
          set: {
            platformId: values.platformId,
            valid: values.valid,
            lastUpdated: values.lastUpdated,
            seenAt: now,
          },
        });
    },

    /** Applies a token PATCH; a patch of a token never pushed in full still records its owner. */
    async patchToken(token: TokenFact, now: Date): Promise<void> {
      const owner = upper(token.owner);
      await db
        .insert(tokens)
        .values({
          platformId: token.platformId,
          countryCode: owner.countryCode,
          partyId: owner.partyId,
          uid: token.uid.toUpperCase(),
          type: token.type,
          valid: token.valid ?? true,
          lastUpdated: token.lastUpdated,
          seenAt: now,
          firstSeenAt: now,
        })
        .onConflictDoUpdate({
          target: [tokens.countryCode, tokens.partyId, tokens.uid, tokens.type],
          set: {
            platformId: token.platformId,
            ...(token.valid === undefined ? {} : { valid: token.valid }),
            lastUpdated: token.lastUpdated,
            seenAt: now,
          },
        });
    },

    /** The eMSPs that pushed a token with this uid and type, the earliest first. */
    async tokenOwners(uid: string, type: string): Promise<PartyRef[]> {
      return db
        .select({ countryCode: tokens.countryCode, partyId: tokens.partyId })
        .from(tokens)
        .where(and(eq(tokens.uid, uid.toUpperCase()), eq(tokens.type, type)))
        .orderBy(asc(tokens.firstSeenAt), asc(tokens.countryCode), asc(tokens.partyId));
    },

    /**
     * Deletes index entries no push renewed within TOKEN_TTL_MS and the
     * cache does not hold (a PATCH of a token never pushed in full);
     * returns how many.
     */
    async pruneTokens(now: Date): Promise<number> {
      const cached = db
        .select({ seq: cachedTokens.seq })
        .from(cachedTokens)
        .where(
          and(
            eq(cachedTokens.countryCode, tokens.countryCode),
            eq(cachedTokens.partyId, tokens.partyId),
            eq(cachedTokens.uid, tokens.uid),
            eq(cachedTokens.type, tokens.type),
          ),
        );
      const gone = await db
        .delete(tokens)
        .where(and(lt(tokens.seenAt, new Date(now.getTime() - TOKEN_TTL_MS)), notExists(cached)))
        .returning({ uid: tokens.uid });
      return gone.length;
    },
  };
}
