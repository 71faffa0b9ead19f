import type { Config } from "../config/schema.js";
import type { Database } from "../db/client.js";
import type { Clock } from "../deps.js";
import type { OcpiClient } from "../egress/ocpi-client.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { MinuteCount } from "../metrics/per-minute.js";
import type { PartyRef } from "../ocpi/parties.js";
import type { Party, Platform, Registry } from "../registry/registry.js";
import { createAddressing } from "./addressing.js";
import { type CachedObjects, createCatchUp, type Queued } from "./catch-up.js";
import { sharedCurrentCopies } from "./current-copies.js";
import type { RecipientListener } from "./events.js";
import { createLeases } from "./leases.js";
import { flushMinutes, minutesView } from "./minutes.js";
import { createOfflineHandling } from "./offline.js";
import { createProbes } from "./probes.js";
import type { Delivery, DeliveryQueue, Push } from "./queue.js";
import { createStarts } from "./starts.js";
import { flushCounters, type RecipientView, recipientsView } from "./stats.js";
import { startWorker } from "./worker.js";

export type { RecipientView } from "./stats.js";

/** How often an instance renews its heartbeat and leases and flushes its counters. */
const TICK_MS = 1_000;

/**
 * How long JetStream waits before handing a delivery that was never settled
 * (its instance died) to another: a send, plus one still in flight before it.
 */
export const ackWaitMs = (config: Readonly<Config>) => 2 * config.forwardTimeoutMs + 5_000;

/** Broadcast pushes and ClientInfo, per recipient, with retries and catch-up. */
export interface DeliveryService {
  /** Queues one delivery per recipient; rejects when any could not be queued. */
  publish(deliveries: readonly Delivery[]): Promise<void>;
  /** Writes a broadcast push once for all its recipients; rejects when it could not be written. */
  broadcast(push: Push): Promise<void>;
  /**
   * The parties a module's broadcast goes to: one per connected platform
   * with a party of a recipient role of the module and its Receiver endpoint
   * that may exchange the module with the sender (ROAMING_POLICY).
   */
  recipientsOf(
    module: string,
    sender: { platformId: string; party: Party },
  ): { platform: Platform; party: PartyRef }[];
  /**
   * Queues the current state of every cached object the platform may see
   * (changed since `since`; of the `only` party when given).
   */
  resync(platformId: string, since?: Date, only?: PartyRef): Promise<Queued>;
  /** A platform was invited or connected: its consumer exists from now on. */
  opened(platformId: string): Promise<void>;
  /** A platform was removed: its consumer and queued deliveries go. */
  removed(platformId: string): Promise<void>;
  /** The platform is CONNECTED again: its failure is forgotten; returns when it went OFFLINE. */
  clearOffline(platformId: string): Promise<Date | undefined>;
  /** With DELIVERY_CATCH_UP, queues what changed while the platform was OFFLINE. */
  catchUp(platformId: string, offlineSince: Date | undefined): Promise<void>;
  view(): Promise<RecipientView[]>;
  /** Delivery attempts per minute over the last hour, every instance's (the console's chart). */
  perMinute(): Promise<MinuteCount[]>;
  start(): void;
  stop(): Promise<void>;
}

/** What every part of delivery may be given. */
export interface DeliveryDeps {
  config: Readonly<Config>;
  db: Database;
  queue: DeliveryQueue;
  registry: Registry;
  client: OcpiClient;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  instanceId: string;
  /** The cache's objects, for current copies and catch-up. */
  cached: CachedObjects;
  /** Who is told when a recipient fails past the window or answers a probe. */
  events: RecipientListener;
  /** Runs work that outlives the call. */
  background(name: string, work: () => Promise<unknown>): void;
}

/**
 * Delivery composed: leases decide which recipients this instance serves,
 * a worker per recipient sends and retries, the offline handling drops a
 * recipient failing past the window and notices its return, and catch-up
 * sends the current copies of cached objects.
 */
export function createDeliveryService(d: DeliveryDeps): DeliveryService {
  const { db, queue, registry, logger } = d;
  const { recipientParty, addressed } = createAddressing(registry);
  const offline = createOfflineHandling(d);
  const starts = createStarts();
  const cached = sharedCurrentCopies(d.cached);
  const probes = createProbes({ ...d, markOffline: offline.markOffline });
  const leases = createLeases({
    ...d,
    startWorker: (recipient, counters) =>
      startWorker(
        { ...d, cached, windowPassed: offline.goOffline, addressed, starts },
        recipient,
        counters,
      ),
  });
  const catchUp = createCatchUp({ ...d, publish });
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let stopped = false;

  async function publish(deliveries: readonly Delivery[]): Promise<void> {
    const results = await Promise.allSettled(deliveries.map((x) => queue.publish(x)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0) {
      logger.error(
        { err: failed[0]?.reason, failed: failed.length, of: deliveries.length },
        "could not queue deliveries",
      );
      throw new Error(`could not queue ${failed.length} of ${deliveries.length} deliveries`);
    }
  }

  async function tick(): Promise<void> {
    await leases.renew(() => stopped);
    await flushCounters(
      db,
      [...leases.held].map(([id, worker]) => [id, worker.counters] as const),
    );
    await flushMinutes(db, d.metrics.deliveriesPerMinute);
    probes.probeDue(leases.held);
  }

  /** Runs a tick now, then one TICK_MS after each ends, until stopped. */
  function run(): void {
    ticking = tick()
      .catch((err: unknown) => logger.error({ err }, "delivery housekeeping failed"))
      .finally(() => {
        ticking = undefined;
        if (stopped) return;
        timer = setTimeout(run, TICK_MS);
        timer.unref();
      });
  }

  return {
    publish,
    async broadcast(push) {
      try {
        await queue.broadcast(push);
      } catch (err) {
        logger.error({ err, module: push.module, key: push.key }, "could not write a push");
        throw err;
      }
    },
    recipientsOf(module, sender) {
      const out: { platform: Platform; party: PartyRef }[] = [];
      for (const p of registry.list()) {
        const party = recipientParty(p, module, sender);
        if (party !== undefined) out.push({ platform: p, party });
      }
      return out;
    },
    resync: catchUp.resync,
    catchUp: catchUp.catchUp,
    async opened(platformId) {
      await queue.open(platformId);
    },
    async removed(platformId) {
      await leases.release(platformId, { handOver: false });
      await queue.remove(platformId);
    },
    clearOffline: (platformId) => offline.clearOffline(platformId, leases.held.get(platformId)),
    view: () => recipientsView(d, leases.held),
    perMinute: () => minutesView(db, d.metrics.deliveriesPerMinute),
    start() {
      if (timer !== undefined || ticking !== undefined || stopped) return;
      // The first round runs at once, so a restarted instance resumes without waiting a tick.
      run();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await ticking;
      await leases.releaseAll();
      await flushMinutes(db, d.metrics.deliveriesPerMinute).catch((err: unknown) =>
        logger.error({ err }, "could not write the delivery counts per minute"),
      );
    },
  };
}
