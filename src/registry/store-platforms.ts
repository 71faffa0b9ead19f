// Platforms and the parties they host: loaded, invited, updated, removed.

import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  type PartyRow,
  type PlatformRow,
  type PlatformStatus,
  parties,
  platforms,
} from "../db/schema/index.js";

export interface PartyKey {
  role: string;
  countryCode: string;
  partyId: string;
}

/** `ROLE:CC:PID`, upper-case: the key of a party in maps and messages. */
export function partyKey(p: PartyKey): string {
  return `${p.role}:${p.countryCode}:${p.partyId}`.toUpperCase();
}

/** The platform rows and their parties. */
export function registryPlatforms(db: Database) {
  return {
    async loadAll(): Promise<{ platforms: PlatformRow[]; parties: PartyRow[] }> {
      const [p, q] = await Promise.all([db.select().from(platforms), db.select().from(parties)]);
      return { platforms: p, parties: q };
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
