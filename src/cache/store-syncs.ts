// The record of each platform's sync: who runs it, how far it got, how it ended.
import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type CacheSyncRow, cacheSyncs, type SyncTrigger } from "../db/schema/index.js";

/** Claims, progress and outcomes of syncs, one row per platform. */
export function cacheSyncRecords(db: Database) {
  const dbNow = sql`now()`;

  return {
    /**
     * Claims a platform for a sync: true unless one is running whose
     * instance still beats (an instance that died leaves it after `staleMs`).
     */
    async claimSync(
      platformId: string,
      trigger: SyncTrigger,
      instanceId: string,
      staleMs: number,
    ): Promise<boolean> {
      const fresh = {
        status: "RUNNING" as const,
        trigger,
        instanceId,
        startedAt: dbNow,
        heartbeatAt: dbNow,
        finishedAt: null,
        pages: 0,
        locations: 0,
        tariffs: 0,
        skipped: 0,
        removed: 0,
        error: null,
      };
      const rows = await db
        .insert(cacheSyncs)
        .values({ platformId, ...fresh })
        .onConflictDoUpdate({
          target: cacheSyncs.platformId,
          set: fresh,
          setWhere: sql`${cacheSyncs.status} <> 'RUNNING' or ${cacheSyncs.heartbeatAt} < now() - make_interval(secs => ${staleMs / 1000})`,
        })
        .returning({ platformId: cacheSyncs.platformId });
      return rows.length === 1;
    },

    /** Adds to a running sync's counters and beats its heart. */
    async syncProgress(
      platformId: string,
      add: { pages?: number; locations?: number; tariffs?: number; skipped?: number },
    ): Promise<void> {
      await db
        .update(cacheSyncs)
        .set({
          pages: sql`${cacheSyncs.pages} + ${add.pages ?? 0}`,
          locations: sql`${cacheSyncs.locations} + ${add.locations ?? 0}`,
          tariffs: sql`${cacheSyncs.tariffs} + ${add.tariffs ?? 0}`,
          skipped: sql`${cacheSyncs.skipped} + ${add.skipped ?? 0}`,
          heartbeatAt: dbNow,
        })
        .where(eq(cacheSyncs.platformId, platformId));
    },

    async finishSync(
      platformId: string,
      outcome: { removed: number; error?: string },
    ): Promise<void> {
      await db
        .update(cacheSyncs)
        .set({
          status: outcome.error === undefined ? "SUCCEEDED" : "FAILED",
          removed: outcome.removed,
          error: outcome.error ?? null,
          finishedAt: dbNow,
          heartbeatAt: dbNow,
        })
        .where(eq(cacheSyncs.platformId, platformId));
    },

    async syncOf(platformId: string): Promise<CacheSyncRow | undefined> {
      const [row] = await db.select().from(cacheSyncs).where(eq(cacheSyncs.platformId, platformId));
      return row;
    },

    async syncsOf(platformIds: readonly string[]): Promise<Map<string, CacheSyncRow>> {
      if (platformIds.length === 0) return new Map();
      const rows = await db
        .select()
        .from(cacheSyncs)
        .where(inArray(cacheSyncs.platformId, [...platformIds]));
      return new Map(rows.map((r) => [r.platformId, r]));
    },
  };
}
