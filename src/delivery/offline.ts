import { eq } from "drizzle-orm";
import { deliveryRecipients } from "../db/schema/index.js";
import { StatusCode } from "../ocpi/status-codes.js";
import type { DeliveryDeps } from "./service.js";
import type { Counters } from "./stats.js";
import type { RecipientWorker } from "./worker.js";

export type OfflineDeps = Pick<
  DeliveryDeps,
  "config" | "db" | "queue" | "registry" | "client" | "logger" | "clock" | "events" | "background"
>;

/**
 * Delivery's side of a recipient going OFFLINE and coming back
 * (architecture.md: Delivery): its queue dropped and its row marked, the
 * probe that notices its return, and the bookkeeping cleared once it is back.
 */
export function createOfflineHandling(d: OfflineDeps) {
  const { db, logger } = d;

  /** Past the window: what waits for the recipient is dropped, then the lifecycle is told. */
  function goOffline(recipient: string, c: Counters): void {
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
        c.purged = true;
        c.dropped += purged;
        c.retrying.clear();
        c.failingSince = undefined;
        c.dirty = true;
        logger.warn(
          { platform_id: recipient, dropped: purged, last_error: c.lastError },
          `recipient failed for ${d.config.deliveryWindowMs} ms: marked OFFLINE, pending deliveries dropped`,
        );
        await d.events.failing(recipient);
      } finally {
        c.goingOffline = false;
        c.purged = false;
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

  /** Probes the OFFLINE recipients this instance holds, each once per PROBE_INTERVAL_MS. */
  function probeDue(held: ReadonlyMap<string, RecipientWorker>): void {
    for (const [id, worker] of held) {
      const now = d.clock.now().getTime();
      if (now - worker.lastProbe < d.config.probeIntervalMs) continue;
      worker.lastProbe = now;
      if (d.registry.get(id)?.status === "OFFLINE")
        d.background("probe an OFFLINE platform", () => probe(id));
    }
  }

  /** GET of the platform's versions with its token; an OCPI success means it is back. */
  async function probe(platformId: string): Promise<void> {
    const platform = d.registry.get(platformId);
    if (platform?.status !== "OFFLINE" || platform.versionsUrl === null) return;
    if (platform.outboundToken === null) return;
    try {
      const res = await d.client.send({
        method: "GET",
        url: platform.versionsUrl,
        token: platform.outboundToken,
        encoding: platform.outboundTokenEncoding,
        pool: platform.id,
      });
      if (res.status === 200 && res.body.status_code === StatusCode.Success) {
        await d.events.reachable(platformId);
      }
    } catch (err) {
      logger.debug(
        { platform_id: platformId, reason: String(err) },
        "OFFLINE platform still unreachable",
      );
    }
  }

  return { goOffline, clearOffline, probeDue };
}
