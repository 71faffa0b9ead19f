// Rotations: the hub renews a registered platform's token pair (credentials: PUT from the hub).
import { and, eq, inArray, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { platforms } from "../db/schema/index.js";
import { type Registration, writeRegistration } from "./store-registrations.js";
import type { TokenSeal } from "./token-seal.js";

/**
 * While a rotation runs, the hash of the new token the hub issued sits in
 * `token_a_hash`, which a registered platform does not use otherwise: the
 * token the hub issued and the platform has not confirmed yet. It opens
 * what the current token opens, as the platform may use it as soon as it
 * has the hub's PUT, before the hub has its answer (registry.ts).
 */
export function registryRotations(db: Database, seal: TokenSeal) {
  return {
    /**
     * Marks a registered platform (CONNECTED or OFFLINE) as rotating with the
     * hash of the new token; false when it is not registered, its inbound
     * token is no longer `from` (the pair the caller read has changed), or
     * another live rotation holds it.
     */
    async beginRotation(
      id: string,
      from: { inboundTokenHash: string | null },
      newTokenHash: string,
      now: Date,
      abandonedBefore: Date,
    ): Promise<boolean> {
      const rows = await db
        .update(platforms)
        .set({ tokenAHash: newTokenHash, updatedAt: now })
        .where(
          and(
            eq(platforms.id, id),
            inArray(platforms.status, ["CONNECTED", "OFFLINE"]),
            isNotNull(platforms.outboundToken),
            from.inboundTokenHash === null
              ? isNull(platforms.inboundTokenHash)
              : eq(platforms.inboundTokenHash, from.inboundTokenHash),
            or(isNull(platforms.tokenAHash), lt(platforms.updatedAt, abandonedBefore)),
          ),
        )
        .returning({ id: platforms.id });
      return rows.length === 1;
    },

    /**
     * Stores the new pair atomically, while the platform is still registered
     * with the inbound token the rotation started from and the rotation is
     * still this one; false otherwise. Its status stays as it is.
     */
    async completeRotation(
      id: string,
      reg: Registration,
      now: Date,
      expect: { inboundTokenHash: string | null; newTokenHash: string; lastError?: string },
    ): Promise<boolean> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select({
            status: platforms.status,
            outboundToken: platforms.outboundToken,
            inboundTokenHash: platforms.inboundTokenHash,
            tokenAHash: platforms.tokenAHash,
          })
          .from(platforms)
          .where(eq(platforms.id, id))
          .for("update");
        if (
          row === undefined ||
          row.outboundToken === null ||
          row.inboundTokenHash !== expect.inboundTokenHash ||
          row.tokenAHash !== expect.newTokenHash
        )
          return false;
        await writeRegistration(tx, seal, id, reg, {
          status: row.status,
          now,
          lastError: expect.lastError,
        });
        return true;
      });
    },

    /** A rotation that failed: its new token dies, the current pair stays. */
    async abandonRotation(id: string, newTokenHash: string, now: Date): Promise<void> {
      await db
        .update(platforms)
        .set({ tokenAHash: null, updatedAt: now })
        .where(
          and(
            eq(platforms.id, id),
            eq(platforms.tokenAHash, newTokenHash),
            isNotNull(platforms.outboundToken),
          ),
        );
    },
  };
}
