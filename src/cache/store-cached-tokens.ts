// An eMSP's pushes of tokens into the cache, and reads of cached tokens by uid.
import { and, asc, eq, notInArray, or, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../db/client.js";
import { cachedTokens } from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import { upperParty } from "../ocpi/parties.js";
import type { Json } from "./apply.js";
import { applyTokenPush } from "./apply-token.js";
import { platformsAllowedSql } from "./publication.js";
import type { Owned } from "./store-reads.js";
import { timestampOf } from "./store-shared.js";

export interface TokenPush {
  platformId: string;
  owner: PartyRef;
  uid: string;
  type: string;
  method: "PUT" | "PATCH";
  body: Json;
}

/** A cached token with its owner and type (a token is identified by uid and type). */
export interface OwnedToken extends Owned {
  type: string;
}

/** The columns a read of cached tokens selects: owner, type and document. */
const OWNED_TOKEN = {
  countryCode: cachedTokens.countryCode,
  partyId: cachedTokens.partyId,
  type: cachedTokens.type,
  data: cachedTokens.data,
};

const ownedToken = (r: {
  countryCode: string;
  partyId: string;
  type: string;
  data: unknown;
}): OwnedToken => ({
  owner: { countryCode: r.countryCode, partyId: r.partyId },
  type: r.type,
  doc: r.data as Json,
});

/** Token writes an eMSP pushes (tokens: Receiver interface) and reads of them. */
export function cacheTokens(db: Database) {
  const dbNow = sql`now()`;

  return {
    /**
     * Applies an eMSP's PUT or PATCH of a token: "unknown" for a PATCH of a
     * token the cache does not hold (forwarded, not cached), "stale" when
     * the cache holds a newer state.
     */
    async pushToken(push: TokenPush): Promise<"applied" | "stale" | "unknown"> {
      const owner = upperParty(push.owner);
      const uid = push.uid.toUpperCase();
      for (let attempt = 0; ; attempt++) {
        const outcome = await db.transaction(async (tx) => {
          const [row] = await tx
            .select({ seq: cachedTokens.seq, data: cachedTokens.data })
            .from(cachedTokens)
            .where(
              and(
                eq(cachedTokens.countryCode, owner.countryCode),
                eq(cachedTokens.partyId, owner.partyId),
                eq(cachedTokens.uid, uid),
                eq(cachedTokens.type, push.type),
              ),
            )
            .for("update");
          const result = applyTokenPush(row?.data as Json | undefined, push.method, push.body);
          if (result.kind !== "applied") return result.kind;
          const written = {
            platformId: push.platformId,
            lastUpdated: timestampOf(result.doc.last_updated),
            refreshedAt: dbNow,
            data: result.doc,
          };
          if (row !== undefined) {
            await tx.update(cachedTokens).set(written).where(eq(cachedTokens.seq, row.seq));
            return "applied";
          }
          const inserted = await tx
            .insert(cachedTokens)
            .values({ ...written, ...owner, uid, type: push.type })
            .onConflictDoNothing()
            .returning({ seq: cachedTokens.seq });
          // Another request created it meanwhile: apply this one on top of it.
          return inserted.length === 1 ? "applied" : undefined;
        });
        if (outcome !== undefined) return outcome;
        if (attempt > 0) throw new Error(`token ${uid} keeps changing under a push`);
      }
    },

    /**
     * The platforms among `platformIds` owning a token one entry of a
     * location's publish_allowed_to matches: one query for all recipients.
     */
    async platformsAllowed(
      allowedTo: readonly Json[],
      platformIds: readonly string[],
    ): Promise<Set<string>> {
      if (allowedTo.length === 0 || platformIds.length === 0) return new Set();
      const result = await db.execute(platformsAllowedSql(allowedTo, platformIds));
      return new Set(rowsOf<{ platform_id: string }>(result).map((r) => r.platform_id));
    },

    /** The tokens with this uid, of one owner or of any, of one type or of all. */
    async tokensWithId(
      uid: string,
      options: { owner?: PartyRef; type?: string; hidden: readonly string[] },
    ): Promise<OwnedToken[]> {
      const owner = options.owner && upperParty(options.owner);
      const rows = await db
        .select(OWNED_TOKEN)
        .from(cachedTokens)
        .where(
          and(
            eq(cachedTokens.uid, uid.toUpperCase()),
            owner && eq(cachedTokens.countryCode, owner.countryCode),
            owner && eq(cachedTokens.partyId, owner.partyId),
            options.type === undefined ? undefined : eq(cachedTokens.type, options.type),
            options.hidden.length > 0
              ? notInArray(cachedTokens.platformId, [...options.hidden])
              : undefined,
          ),
        )
        .orderBy(asc(cachedTokens.seq));
      return rows.map(ownedToken);
    },
  };
}

/** Reads of cached tokens by what a 2.1.1 Session or CDR names them by. */
export function cacheTokenReferences(db: Database) {
  return {
    /**
     * The token a 2.1.1 Session or CDR names by its auth_id: one whose
     * contract_id is `reference` (2.1.1's Token.auth_id), else one whose uid
     * is, the earliest cached first, as open routing prefers the earliest
     * claim; a suspended or unregistered eMSP's (`hidden`) are left out.
     */
    async tokenByReference(
      reference: string,
      hidden: readonly string[],
    ): Promise<OwnedToken | undefined> {
      const wanted = reference.toUpperCase();
      const byContract = sql`upper(${cachedTokens.data}->>'contract_id') = ${wanted}`;
      const rows = await db
        .select(OWNED_TOKEN)
        .from(cachedTokens)
        .where(
          and(
            or(byContract, eq(cachedTokens.uid, wanted)),
            hidden.length > 0 ? notInArray(cachedTokens.platformId, [...hidden]) : undefined,
          ),
        )
        .orderBy(sql`${byContract} desc`, asc(cachedTokens.seq))
        .limit(1);
      const [row] = rows;
      return row === undefined ? undefined : ownedToken(row);
    },
  };
}
