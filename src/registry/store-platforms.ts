// Platforms and the parties they host: loaded, invited, updated, removed.

import { and, eq, isNotNull } from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  type PartyRow,
  type PlatformRow,
  type PlatformStatus,
  parties,
  platforms,
} from "../db/schema/index.js";
import type { TokenSeal } from "./token-seal.js";

export interface PartyKey {
  role: string;
  countryCode: string;
  partyId: string;
}

/** `ROLE:CC:PID`, upper-case: the key of a party in maps and messages. */
export function partyKey(p: PartyKey): string {
  return `${p.role}:${p.countryCode}:${p.partyId}`.toUpperCase();
}

/** The platform rows and their parties; the tokens platforms gave the hub are sealed at rest. */
export function registryPlatforms(db: Database, seal: TokenSeal) {
  return {
    /** Every platform with its token readable, and every party; TokenKeyError when a token is not. */
    async loadAll(): Promise<{ platforms: PlatformRow[]; parties: PartyRow[] }> {
      const [p, q] = await Promise.all([db.select().from(platforms), db.select().from(parties)]);
      const opened = p.map((row) =>
        row.outboundToken === null
          ? row
          : { ...row, outboundToken: seal.open(row.id, row.outboundToken) },
      );
      return { platforms: opened, parties: q };
    },

    /**
     * Encrypts the tokens stored as given before TOKEN_ENCRYPTION_KEY was
     * set; returns how many. A row another instance changed meanwhile is
     * left to it. The platform itself did not change: updated_at stays.
     */
    async sealPlainTokens(): Promise<number> {
      const rows = await db
        .select({ id: platforms.id, outboundToken: platforms.outboundToken })
        .from(platforms)
        .where(isNotNull(platforms.outboundToken));
      let sealed = 0;
      for (const row of rows) {
        const plain = row.outboundToken as string;
        if (!seal.isPlainUnderKey(plain)) continue;
        const updated = await db
          .update(platforms)
          .set({ outboundToken: seal.seal(row.id, plain) })
          .where(and(eq(platforms.id, row.id), eq(platforms.outboundToken, plain)))
          .returning({ id: platforms.id });
        sealed += updated.length;
      }
      return sealed;
    },

    async insertPlatform(row: {
      id: string;
      name: string;
      tokenAHash: string;
      roles: PartyKey[];
      now: Date;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.insert(platforms).values({
          id: row.id,
          name: row.name,
          status: "PENDING",
          tokenAHash: row.tokenAHash,
          createdAt: row.now,
          updatedAt: row.now,
        });
        await tx.insert(parties).values(
          row.roles.map((r) => ({
            platformId: row.id,
            role: r.role,
            countryCode: r.countryCode,
            partyId: r.partyId,
          })),
        );
      });
    },

    async update(
      id: string,
      values: Partial<
        Pick<
          PlatformRow,
          "status" | "lastError" | "inboundTokenHash" | "tokenAHash" | "outboundTokenEncoding"
        >
      >,
      now: Date,
    ): Promise<void> {
      await db
        .update(platforms)
        .set({ ...values, updatedAt: now })
        .where(eq(platforms.id, id));
    },

    /** Moves a platform from one status to another; false when it was not in `from`. */
    async changeStatus(
      id: string,
      from: PlatformStatus,
      to: PlatformStatus,
      now: Date,
    ): Promise<boolean> {
      const rows = await db
        .update(platforms)
        .set({ status: to, updatedAt: now })
        .where(and(eq(platforms.id, id), eq(platforms.status, from)))
        .returning({ id: platforms.id });
      return rows.length > 0;
    },

    async deletePlatform(id: string): Promise<void> {
      await db.delete(platforms).where(eq(platforms.id, id));
    },
  };
}
