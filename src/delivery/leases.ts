import { createHash } from "node:crypto";
import { and, eq, gt, inArray, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type DeliveryRecipientRow, deliveryRecipients, hubInstances } from "../db/schema/index.js";
import type { Clock } from "../deps.js";
import type { Logger } from "../logging/logger.js";
import type { Registry } from "../registry/registry.js";
import type { DeliveryQueue } from "./queue.js";
import { type Counters, flushCounters, newCounters } from "./stats.js";
import type { RecipientWorker } from "./worker.js";

/** A lease (and an instance's heartbeat) lapses after this long without renewal. */
const LEASE_MS = 5_000;
/** Every this many renewals, heartbeats older than an hour are deleted. */
const FORGET_EVERY = 600;

/** Rendezvous hashing: each recipient goes to the live instance with the highest score. */
const rendezvous = (instance: string, recipient: string) =>
  createHash("sha1").update(`${instance}/${recipient}`).digest().readUInt32BE(0);

/** The live instance a recipient is due to (rendezvous hashing). */
export function dueInstance(live: readonly string[], recipient: string): string | undefined {
  let best: string | undefined;
  for (const i of live) {
    if (best === undefined || rendezvous(i, recipient) > rendezvous(best, recipient)) best = i;
  }
  return best;
}

export interface LeaseDeps {
  db: Database;
  queue: DeliveryQueue;
  registry: Registry;
  logger: Logger;
  clock: Clock;
  instanceId: string;
  /** Starts delivering to a recipient this instance now holds. */
  startWorker(recipient: string, counters: Counters): RecipientWorker;
}

export interface Leases {
  /** The recipients this instance delivers to. */
  readonly held: ReadonlyMap<string, RecipientWorker>;
  /**
   * Renews this instance's heartbeat, takes the recipients it is due among
   * the live instances, and lets go of the others.
   */
  renew(stopping: () => boolean): Promise<void>;
  /**
   * Stops delivering to a recipient. With `handOver`, its lease is cleared
   * so that the instance it is due takes it at once.
   */
  release(recipient: string, options: { handOver: boolean }): Promise<void>;
  /** Hands every recipient over and forgets this instance's heartbeat. */
  releaseAll(): Promise<void>;
}

/**
 * Which instance delivers to which recipient: one at a time per recipient,
 * so that the updates of one object never travel through two instances at
 * once. Each live instance (by heartbeat) takes the recipients rendezvous
 * hashing gives it, under a lease in the recipient's row.
 */
export function createLeases(d: LeaseDeps): Leases {
  const { db } = d;
  const held = new Map<string, RecipientWorker>();
  /** Recipients known to have a row. */
  const ensured = new Set<string>();
  const startedAt = d.clock.now();
  let renewals = 0;

  async function acquire(recipient: string, row: DeliveryRecipientRow): Promise<void> {
    await d.queue.open(recipient);
    held.set(recipient, d.startWorker(recipient, newCounters(row)));
  }

  async function release(recipient: string, options: { handOver: boolean }): Promise<void> {
    const worker = held.get(recipient);
    if (worker === undefined) return;
    held.delete(recipient);
    await worker.stop();
    await flushCounters(db, [[recipient, worker.counters]]).catch(() => {});
    if (!options.handOver) return;
    await db
      .update(deliveryRecipients)
      .set({ owner: null, leaseUntil: null })
      .where(
        and(
          eq(deliveryRecipients.platformId, recipient),
          eq(deliveryRecipients.owner, d.instanceId),
        ),
      );
  }

  /** The ids of the instances with a recent heartbeat, this one always among them. */
  async function liveInstances(now: Date): Promise<string[]> {
    await db
      .insert(hubInstances)
      .values({ id: d.instanceId, startedAt, heartbeatAt: now })
      .onConflictDoUpdate({ target: hubInstances.id, set: { heartbeatAt: now } });
    const lapse = new Date(now.getTime() - LEASE_MS);
    const live = (
      await db
        .select({ id: hubInstances.id })
        .from(hubInstances)
        .where(gt(hubInstances.heartbeatAt, lapse))
    ).map((r) => r.id);
    if (!live.includes(d.instanceId)) live.push(d.instanceId);
    if (++renewals % FORGET_EVERY === 0) {
      // Instances killed without a goodbye leave their heartbeat behind.
      await db
        .delete(hubInstances)
        .where(lt(hubInstances.heartbeatAt, new Date(now.getTime() - 3_600_000)));
    }
    return live;
  }

  /** Renews this instance's leases on the recipients it is due; returns the rows it holds. */
  async function claim(wanted: string[], now: Date): Promise<DeliveryRecipientRow[]> {
    if (wanted.length === 0) return [];
    return db
      .update(deliveryRecipients)
      .set({ owner: d.instanceId, leaseUntil: new Date(now.getTime() + LEASE_MS) })
      .where(
        and(
          inArray(deliveryRecipients.platformId, wanted),
          or(
            eq(deliveryRecipients.owner, d.instanceId),
            isNull(deliveryRecipients.owner),
            lt(deliveryRecipients.leaseUntil, now),
          ),
        ),
      )
      .returning();
  }

  async function renew(stopping: () => boolean): Promise<void> {
    const now = d.clock.now();
    const live = await liveInstances(now);
    const ids = d.registry.list().map((p) => p.id);
    const fresh = ids.filter((id) => !ensured.has(id));
    if (fresh.length > 0) {
      await db
        .insert(deliveryRecipients)
        .values(fresh.map((platformId) => ({ platformId })))
        .onConflictDoNothing();
      for (const id of fresh) ensured.add(id);
    }
    const wanted = ids.filter((id) => dueInstance(live, id) === d.instanceId);
    const mine = new Map((await claim(wanted, now)).map((r) => [r.platformId, r]));
    for (const id of [...held.keys()]) {
      // Not ours any more (another instance is due it, or our lease lapsed): hand it over.
      if (!mine.has(id)) await release(id, { handOver: !wanted.includes(id) });
    }
    for (const [id, row] of mine) {
      if (stopping()) break;
      if (!held.has(id)) {
        await acquire(id, row).catch((err: unknown) =>
          d.logger.error({ err, platform_id: id }, "could not start delivering to a recipient"),
        );
      }
    }
  }

  return {
    held,
    renew,
    release,
    async releaseAll() {
      for (const id of [...held.keys()]) await release(id, { handOver: true }).catch(() => {});
      await db
        .delete(hubInstances)
        .where(eq(hubInstances.id, d.instanceId))
        .catch(() => {});
    },
  };
}
