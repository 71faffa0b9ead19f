import { eq } from "drizzle-orm";
import { deliveryRecipients } from "../db/schema/index.js";
import type { DeliveryDeps } from "./service.js";
import type { Counters } from "./stats.js";
import type { RecipientWorker } from "./worker.js";

export type OfflineDeps = Pick<
  DeliveryDeps,
  "config" | "db" | "queue" | "logger" | "clock" | "events" | "background"
>;

/**
 * Delivery's side of a recipient going OFFLINE and coming back
 * (architecture.md: Delivery): its queue dropped and its row marked, and
 * the bookkeeping cleared once it is back. probes.ts notices both.
 */
export function createOfflineHandling(d: OfflineDeps) {
  const { db, logger } = d;

  /** Past the window: what waits for the recipient is dropped, then the lifecycle is told. */
  function goOffline(recipient: string, c: Counters): void {
    markOffline(recipient, c, `recipient failed for ${d.config.deliveryWindowMs} ms`);
  }

  /**
   * The recipient is unreachable (`why` says how it showed): its row is
   * marked, what waits for it is dropped, and the lifecycle marks it
   * OFFLINE and tells the others (hubclientinfo).
   */
  function markOffline(recipient: string, c: Counters, why: string): void {
    if (c.goingOffline) return;
    c.goingOffline = true;
    d.background("mark a recipient OFFLINE", async () => {
      try {
        const now = d.clock.now();
        await db
          .update(deliveryRecipients)
          .set({ offlineSince: now, failingSince: c.failingSince ?? now })
          .where(eq(deliveryRecipients.platformId, recipient));
        const purged = await d.queue.purge(recipient);
        c.dropped += purged;
        c.retrying.clear();
        c.failingSince = undefined;
        c.dirty = true;
        logger.warn(
          { platform_id: recipient, dropped: purged, last_error: c.lastError },
          `${why}: marked OFFLINE, pending deliveries dropped`,
        );
        await d.events.failing(recipient);
      } finally {
        c.goingOffline = false;
      }
    });
  }

  /** The platform is CONNECTED again: its failure is forgotten; returns when it went OFFLINE. */
  async function clearOffline(
    platformId: string,
    worker: RecipientWorker | undefined,
  ): Promise<Date | undefined> {
    const [row] = await db
      .select({ offlineSince: deliveryRecipients.offlineSince })
      .from(deliveryRecipients)
      .where(eq(deliveryRecipients.platformId, platformId));
    await db
      .update(deliveryRecipients)
      .set({ offlineSince: null, failingSince: null })
      .where(eq(deliveryRecipients.platformId, platformId));
    if (worker !== undefined) worker.counters.failingSince = undefined;
    return row?.offlineSince ?? undefined;
  }

  return { goOffline, markOffline, clearOffline };
}
