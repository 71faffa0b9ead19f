// Registrations: a handshake's claim on a PENDING platform, its completion, and its undoing.
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  type PlatformRow,
  type PlatformStatus,
  parties,
  platforms,
  type StoredEndpoint,
} from "../db/schema/index.js";
import type { BusinessDetails } from "../ocpi/schemas/credentials.js";
import type { TokenEncoding } from "../ocpi/tokens.js";
import { partyKey } from "./store-platforms.js";
import type { TokenSeal } from "./token-seal.js";

/** What a completed credentials exchange leaves behind. */
export interface Registration {
  version: string;
  versionsUrl: string;
  endpoints: StoredEndpoint[];
  outboundToken: string;
  outboundTokenEncoding: TokenEncoding;
  inboundTokenHash: string;
  businessDetails: Map<string, BusinessDetails>;
}

/**
 * The state a registration may be stored over: exactly this status and
 * inbound token hash, or a PENDING platform that no hub-initiated handshake
 * holds (none claimed it, or its claim was last touched before
 * `abandonedBefore`: its instance stopped midway).
 */
export type RegistrationGuard =
  | { status: PlatformStatus; inboundTokenHash: string | null }
  | { status: "PENDING"; abandonedBefore: Date };

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * Stores a completed exchange inside `tx`: the platform's token (sealed),
 * endpoints and business details, the hash of the hub's new token. The
 * token the hub issued first (Token A, or a rotation's new token) is spent.
 */
export async function writeRegistration(
  tx: Transaction,
  seal: TokenSeal,
  id: string,
  reg: Registration,
  options: { status: PlatformStatus; now: Date; lastError?: string },
): Promise<void> {
  await tx
    .update(platforms)
    .set({
      status: options.status,
      version: reg.version,
      versionsUrl: reg.versionsUrl,
      endpoints: reg.endpoints,
      outboundToken: seal.seal(id, reg.outboundToken),
      outboundTokenEncoding: reg.outboundTokenEncoding,
      inboundTokenHash: reg.inboundTokenHash,
      tokenAHash: null,
      lastError: options.lastError ?? null,
      registeredAt: options.now,
      updatedAt: options.now,
    })
    .where(eq(platforms.id, id));
  const rows = await tx.select().from(parties).where(eq(parties.platformId, id));
  for (const party of rows) {
    const details = reg.businessDetails.get(partyKey(party));
    if (details !== undefined) {
      await tx.update(parties).set({ businessDetails: details }).where(eq(parties.id, party.id));
    }
  }
}

/** The credentials a platform and the hub exchanged, and the claims that guard the exchange. */
export function registryRegistrations(db: Database, seal: TokenSeal) {
  /** Updates a platform only while it is PENDING and no live hub-initiated handshake holds it. */
  async function updateIfUnclaimed(
    id: string,
    values: Partial<Pick<PlatformRow, "inboundTokenHash" | "tokenAHash">>,
    now: Date,
    abandonedBefore: Date,
  ): Promise<boolean> {
    const rows = await db
      .update(platforms)
      .set({ ...values, updatedAt: now })
      .where(
        and(
          eq(platforms.id, id),
          eq(platforms.status, "PENDING"),
          or(isNull(platforms.inboundTokenHash), lt(platforms.updatedAt, abandonedBefore)),
        ),
      )
      .returning({ id: platforms.id });
    return rows.length === 1;
  }

  return {
    /**
     * Completes a registration atomically. `expect` guards against a
     * concurrent change: the update applies only while the platform is still
     * in that state; false when it was not.
     */
    async saveRegistration(
      id: string,
      reg: Registration,
      now: Date,
      expect: RegistrationGuard,
    ): Promise<boolean> {
      return db.transaction(async (tx) => {
        const current = await tx
          .select({
            status: platforms.status,
            inboundTokenHash: platforms.inboundTokenHash,
            updatedAt: platforms.updatedAt,
          })
          .from(platforms)
          .where(eq(platforms.id, id))
          .for("update");
        const row = current[0];
        if (row === undefined || row.status !== expect.status) return false;
        const holds =
          "abandonedBefore" in expect
            ? row.inboundTokenHash !== null && row.updatedAt >= expect.abandonedBefore
            : row.inboundTokenHash !== expect.inboundTokenHash;
        if (holds) return false;
        await writeRegistration(tx, seal, id, reg, {
          status: row.status === "PENDING" ? "CONNECTED" : row.status,
          now,
        });
        return true;
      });
    },

    /** Forgets the credentials of a platform; it goes back to PENDING (credentials: DELETE). */
    async clearRegistration(id: string, now: Date): Promise<void> {
      await db
        .update(platforms)
        .set({
          status: "PENDING",
          version: null,
          endpoints: [],
          outboundToken: null,
          inboundTokenHash: null,
          tokenAHash: null,
          registeredAt: null,
          updatedAt: now,
        })
        .where(eq(platforms.id, id));
    },

    /**
     * Claims a PENDING platform for a hub-initiated handshake by storing the
     * hash of the token the hub will hand it; false when it is not PENDING or
     * another live handshake holds it.
     */
    claimForHandshake: (id: string, inboundTokenHash: string, now: Date, abandonedBefore: Date) =>
      updateIfUnclaimed(id, { inboundTokenHash }, now, abandonedBefore),

    /**
     * Ends a hub-initiated handshake that failed: the platform is free for
     * another. Only the claim made with this hash is released, and only
     * while unregistered, so a registration stored meanwhile keeps its token.
     */
    async releaseClaim(id: string, inboundTokenHash: string, now: Date): Promise<void> {
      await db
        .update(platforms)
        .set({ inboundTokenHash: null, updatedAt: now })
        .where(
          and(
            eq(platforms.id, id),
            eq(platforms.inboundTokenHash, inboundTokenHash),
            isNull(platforms.outboundToken),
          ),
        );
    },

    /**
     * A new Token A for a PENDING platform that no live handshake holds;
     * false otherwise. The token of an abandoned handshake dies with it.
     */
    replaceTokenA: (id: string, tokenAHash: string, now: Date, abandonedBefore: Date) =>
      updateIfUnclaimed(id, { tokenAHash, inboundTokenHash: null }, now, abandonedBefore),
  };
}
