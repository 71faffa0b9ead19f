// Callbacks: the hub's own response URLs that stand in for a party's, until a result arrives.
import { and, eq, gt, isNull, lte, or } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type CallbackRow, callbacks } from "../db/schema/index.js";

/** The life of a callback: created, kept or dropped, claimed by one result, purged. */
export function routingCallbacks(db: Database) {
  return {
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
  };
}
