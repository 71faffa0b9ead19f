import { createHash, randomUUID } from "node:crypto";
import { and, asc, eq, gt, gte, inArray, isNull, lt, notInArray, or, sql } from "drizzle-orm";
import type { Config } from "../config/schema.js";
import type { Database } from "../db/client.js";
import {
  type DeliveryRecipientRow,
  deliveryRecipients,
  hubInstances,
  locations,
  platforms,
  tariffs,
} from "../db/schema/index.js";
import { type OcpiClient, OutboundError } from "../egress/ocpi-client.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { PartyRef } from "../ocpi/parties.js";
import { StatusCode } from "../ocpi/status-codes.js";
import type { Platform, Registry } from "../registry/registry.js";
import { endpointOf } from "../registry/registry.js";
import {
  type Backlog,
  type Consumption,
  type Delivery,
  type DeliveryModule,
  type DeliveryQueue,
  objectKey,
  type QueuedDelivery,
} from "./queue.js";

/** How often an instance renews its heartbeat and leases and flushes its counters. */
const TICK_MS = 1_000;
/** A lease (and an instance's heartbeat) lapses after this long without renewal. */
const LEASE_MS = 5_000;
/** Deliveries in flight per recipient; different objects go in parallel. */
const CONCURRENCY = 16;
/** First retry delay; it doubles per attempt up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 15_000;
/** Every this many ticks, heartbeats older than an hour are deleted. */
const FORGET_EVERY = 600;
/** Cached objects queued at once during a catch-up or resync. */
const CATCH_UP_CHUNK = 500;

/** The roles that receive a module's broadcast pushes (transport_and_format: Broadcast Push). */
export const RECEIVING_ROLES: Record<
  Exclude<DeliveryModule, "hubclientinfo">,
  readonly string[]
> = {
  locations: ["EMSP", "NSP", "OTHER"],
  tariffs: ["EMSP", "NSP", "OTHER"],
  tokens: ["CPO"],
};

/**
 * How long JetStream waits before handing a delivery that was never settled
 * (its instance died) to another: a send, plus one still in flight before it.
 */
export const ackWaitMs = (config: Readonly<Config>) => 2 * config.forwardTimeoutMs + 5_000;

/** What the admin API shows per recipient. */
export interface RecipientView {
  platform_id: string;
  name: string;
  status: string;
  pending: number;
  in_flight: number;
  retrying: number;
  dropped: number;
  delivered: number;
  last_error: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  failing_since: string | null;
  offline_since: string | null;
}

export interface DeliveryService {
  readonly queue: DeliveryQueue;
  /** Queues one delivery per recipient; rejects when any could not be queued. */
  publish(deliveries: readonly Delivery[]): Promise<void>;
  /** The parties a module's broadcast goes to: one per connected platform on the other side. */
  recipientsOf(
    module: Exclude<DeliveryModule, "hubclientinfo">,
    senderPlatformId: string,
  ): { platform: Platform; party: PartyRef }[];
  /** The platform made a successful request: an OFFLINE one is CONNECTED again. */
  reachable(platformId: string): void;
  /** Queues the current state of every cached object the platform may see (changed since `since`). */
  resync(platformId: string, since?: Date): Promise<{ locations: number; tariffs: number }>;
  /** A platform was invited or connected: its consumer exists from now on. */
  opened(platformId: string): Promise<void>;
  /** A platform was removed: its consumer and queued deliveries go. */
  removed(platformId: string): Promise<void>;
  view(): Promise<RecipientView[]>;
  start(): void;
  stop(): Promise<void>;
}

export interface DeliveryDeps {
  config: Readonly<Config>;
  db: Database;
  queue: DeliveryQueue;
  registry: Registry;
  client: OcpiClient;
  logger: Logger;
  metrics: Metrics;
  instanceId: string;
  /** Reads a cached object's current copy (JSON text), or undefined when gone. */
  current(
    module: "locations" | "tariffs",
    owner: PartyRef,
    id: string,
  ): Promise<string | undefined>;
  /** Tells the other platforms about this one's connection status (hubclientinfo). */
  announce(platformId: string): Promise<void>;
  /** Runs work that outlives the call. */
  background(name: string, work: () => Promise<unknown>): void;
}

interface Counters {
  delivered: number;
  dropped: number;
  retrying: Set<string>;
  lastError?: string;
  lastErrorAt?: Date;
  lastSuccessAt?: Date;
  failingSince?: Date;
  dirty: boolean;
  goingOffline: boolean;
  /** Set once the queue of a recipient going OFFLINE has been purged. */
  purged: boolean;
}

interface Held {
  consumption: Consumption;
  counters: Counters;
  /** Per object: the newest sequence handed out and the tail of its chain of sends. */
  objects: Map<string, { seq: number; tail: Promise<void> }>;
  lastProbe: number;
}

type Outcome =
  | { kind: "delivered" }
  | { kind: "rejected"; reason: string }
  | { kind: "failed"; reason: string }
  | { kind: "gone"; reason: string };

const rendezvous = (instance: string, recipient: string) =>
  createHash("sha1").update(`${instance}/${recipient}`).digest().readUInt32BE(0);

export function createDeliveryService(d: DeliveryDeps): DeliveryService {
  const { db, queue, registry, logger, config } = d;
  const held = new Map<string, Held>();
  const ensured = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let stopped = false;
  let ticks = 0;
  const startedAt = new Date();

  // --- sending ---------------------------------------------------------------

  async function send(delivery: Delivery, platform: Platform): Promise<Outcome> {
    const endpoint =
      delivery.module === "hubclientinfo"
        ? endpointOf(platform, "hubclientinfo", "RECEIVER")
        : endpointOf(platform, delivery.module, "RECEIVER");
    if (endpoint === undefined || platform.outboundToken === null) {
      return { kind: "gone", reason: `no ${delivery.module} Receiver any more` };
    }
    let { method, path, body } = delivery;
    if (delivery.current !== undefined && delivery.module !== "hubclientinfo") {
      const { owner, id } = delivery.current;
      path = `/${[owner.countryCode, owner.partyId, id].map(encodeURIComponent).join("/")}`;
      const doc = await d.current(delivery.module as "locations" | "tariffs", owner, id);
      if (doc === undefined) {
        if (delivery.module === "locations") return { kind: "gone", reason: "location gone" };
        method = "DELETE";
        body = undefined;
      } else {
        method = "PUT";
        body = doc;
      }
    }
    const base = endpoint.replace(/\/+$/, "");
    const url = `${base}${path}${delivery.query === "" ? "" : `?${delivery.query}`}`;
    const headers: Record<string, string> = {};
    if (delivery.to !== undefined) {
      headers["OCPI-to-country-code"] = delivery.to.countryCode;
      headers["OCPI-to-party-id"] = delivery.to.partyId;
      headers["OCPI-from-country-code"] = config.hubCountryCode;
      headers["OCPI-from-party-id"] = config.hubPartyId;
    }
    try {
      const res = await d.client.send({
        method,
        url,
        token: platform.outboundToken,
        encoding: platform.outboundTokenEncoding,
        rawBody: body,
        correlationId: delivery.correlationId,
        pool: platform.id,
        headers,
      });
      const code = res.body.status_code;
      if (res.status === 401) return { kind: "failed", reason: "refused the hub's credentials" };
      if (res.status >= 500 || code >= 3000) {
        return { kind: "failed", reason: `answered HTTP ${res.status}, status_code ${code}` };
      }
      if (code >= 1000 && code < 2000 && res.status < 300) return { kind: "delivered" };
      return { kind: "rejected", reason: `answered HTTP ${res.status}, status_code ${code}` };
    } catch (err) {
      if (err instanceof OutboundError) return { kind: "failed", reason: err.message };
      throw err;
    }
  }

  async function handle(recipient: string, h: Held, q: QueuedDelivery): Promise<void> {
    const { delivery } = q;
    const c = h.counters;
    const platform = registry.get(recipient);
    if (platform === undefined || platform.status !== "CONNECTED") {
      // Nothing goes to a platform that is not connected; it catches up on its return.
      d.metrics.observeDelivery(delivery.module, "dropped");
      q.drop();
      c.dropped++;
      c.dirty = true;
      return;
    }
    const known = h.objects.get(delivery.key);
    if (known !== undefined && q.seq < known.seq) {
      // A newer update of this object was handed out already: this one is stale.
      q.drop();
      return;
    }
    const previous = known?.tail;
    let release!: () => void;
    const tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entry = { seq: q.seq, tail };
    h.objects.set(delivery.key, entry);
    try {
      // An update still in flight for this object lands first.
      await previous;
      const newest = h.objects.get(delivery.key);
      if (newest !== undefined && newest.seq > q.seq) {
        // Superseded while waiting; the newer one carries this one's content.
        q.ack();
        c.retrying.delete(delivery.key);
        return;
      }
      const outcome = await send(delivery, platform);
      settle(recipient, h, q, outcome);
    } finally {
      release();
      if (h.objects.get(delivery.key) === entry) h.objects.delete(delivery.key);
    }
  }

  function settle(recipient: string, h: Held, q: QueuedDelivery, outcome: Outcome): void {
    const c = h.counters;
    const now = new Date();
    c.dirty = true;
    d.metrics.observeDelivery(q.delivery.module, outcome.kind);
    switch (outcome.kind) {
      case "delivered":
        q.ack();
        c.delivered++;
        c.lastSuccessAt = now;
        c.failingSince = undefined;
        c.retrying.delete(q.delivery.key);
        return;
      case "rejected":
      case "gone":
        // Retrying cannot change the answer; broadcast failures concern the hub only.
        q.ack();
        c.retrying.delete(q.delivery.key);
        c.lastError = `${q.delivery.method} ${q.delivery.module} ${q.delivery.path}: ${outcome.reason}`;
        c.lastErrorAt = now;
        logger.warn(
          { platform_id: recipient, module: q.delivery.module, path: q.delivery.path },
          `delivery not accepted: ${outcome.reason}`,
        );
        return;
      case "failed": {
        if (c.goingOffline || registry.get(recipient)?.status !== "CONNECTED") {
          // Its queue is being dropped: this attempt goes with it, and opens no new window.
          // Dropped before the purge, the purge does not count it.
          if (c.goingOffline && !c.purged) c.dropped++;
          q.drop();
          c.retrying.delete(q.delivery.key);
          return;
        }
        c.lastError = `${q.delivery.method} ${q.delivery.module} ${q.delivery.path}: ${outcome.reason}`;
        c.lastErrorAt = now;
        c.failingSince ??= now;
        const left = c.failingSince.getTime() + config.deliveryWindowMs - now.getTime();
        if (left <= 0) {
          q.drop();
          c.dropped++;
          c.retrying.delete(q.delivery.key);
          goOffline(recipient, h);
          return;
        }
        c.retrying.add(q.delivery.key);
        const backoff = Math.min(RETRY_FIRST_MS * 2 ** q.attempts, RETRY_MAX_MS);
        q.retry(Math.min(backoff, left));
        logger.debug(
          { platform_id: recipient, attempts: q.attempts + 1, reason: outcome.reason },
          "delivery failed; retrying",
        );
      }
    }
  }

  // --- OFFLINE and back ------------------------------------------------------------

  function goOffline(recipient: string, h: Held): void {
    const c = h.counters;
    if (c.goingOffline) return;
    c.goingOffline = true;
    d.background("mark a recipient OFFLINE", async () => {
      try {
        const now = new Date();
        const changed = await db
          .update(platforms)
          .set({ status: "OFFLINE", updatedAt: now })
          .where(and(eq(platforms.id, recipient), eq(platforms.status, "CONNECTED")))
          .returning({ id: platforms.id });
        await db
          .update(deliveryRecipients)
          .set({ offlineSince: now, failingSince: c.failingSince ?? now })
          .where(and(eq(deliveryRecipients.platformId, recipient)));
        const purged = await queue.purge(recipient);
        c.purged = true;
        c.dropped += purged;
        c.retrying.clear();
        c.failingSince = undefined;
        c.dirty = true;
        logger.warn(
          { platform_id: recipient, dropped: purged, last_error: c.lastError },
          `recipient failed for ${config.deliveryWindowMs} ms: marked OFFLINE, pending deliveries dropped`,
        );
        if (changed.length > 0) {
          await registry.changed(recipient);
          await d.announce(recipient);
        }
      } finally {
        c.goingOffline = false;
        c.purged = false;
      }
    });
  }

  async function backOnline(platformId: string): Promise<void> {
    const now = new Date();
    const changed = await db
      .update(platforms)
      .set({ status: "CONNECTED", updatedAt: now })
      .where(and(eq(platforms.id, platformId), eq(platforms.status, "OFFLINE")))
      .returning({ id: platforms.id });
    if (changed.length === 0) return;
    const [row] = await db
      .select({
        offlineSince: deliveryRecipients.offlineSince,
        failingSince: deliveryRecipients.failingSince,
      })
      .from(deliveryRecipients)
      .where(eq(deliveryRecipients.platformId, platformId));
    await db
      .update(deliveryRecipients)
      .set({ offlineSince: null, failingSince: null })
      .where(eq(deliveryRecipients.platformId, platformId));
    const h = held.get(platformId);
    if (h !== undefined) h.counters.failingSince = undefined;
    await registry.changed(platformId);
    logger.info({ platform_id: platformId }, "recipient reachable again: CONNECTED");
    await d.announce(platformId);
    if (config.deliveryCatchUp) {
      // The first failure came up to a window (and one backoff) before OFFLINE, and updates
      // queued up to a window before that may have been dropped too.
      const from = row?.offlineSince;
      const since =
        from === null || from === undefined
          ? undefined
          : new Date(from.getTime() - 2 * config.deliveryWindowMs - RETRY_MAX_MS);
      const queued = await resync(platformId, since);
      logger.info({ platform_id: platformId, ...queued }, "catch-up queued");
    }
  }

  async function probe(platformId: string): Promise<void> {
    const platform = registry.get(platformId);
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
        await backOnline(platformId);
      }
    } catch (err) {
      logger.debug(
        { platform_id: platformId, reason: String(err) },
        "OFFLINE platform still unreachable",
      );
    }
  }

  // --- catch-up ---------------------------------------------------------------------

  async function resync(
    platformId: string,
    since?: Date,
  ): Promise<{ locations: number; tariffs: number }> {
    const platform = registry.get(platformId);
    const result = { locations: 0, tariffs: 0 };
    if (platform === undefined || platform.status !== "CONNECTED") return result;
    const party = platform.roles.find((r) => RECEIVING_ROLES.locations.includes(r.role));
    if (party === undefined) return result;
    const hidden = registry
      .list()
      .filter((p) => p.status === "PENDING" || p.status === "SUSPENDED" || p.id === platformId)
      .map((p) => p.id);
    for (const module of ["locations", "tariffs"] as const) {
      if (endpointOf(platform, module, "RECEIVER") === undefined) continue;
      const keys = await changedKeys(module, hidden, since);
      const acceptedAt = Date.now();
      const correlationId = randomUUID();
      for (let i = 0; i < keys.length; i += CATCH_UP_CHUNK) {
        await publish(
          keys.slice(i, i + CATCH_UP_CHUNK).map((k) => ({
            recipient: platformId,
            module,
            key: objectKey(k.owner, k.id),
            method: "PUT" as const,
            path: `/${[k.owner.countryCode, k.owner.partyId, k.id].map(encodeURIComponent).join("/")}`,
            query: "",
            to: { countryCode: party.countryCode, partyId: party.partyId },
            current: k,
            correlationId,
            acceptedAt,
          })),
        );
      }
      result[module] = keys.length;
    }
    return result;
  }

  async function changedKeys(
    module: "locations" | "tariffs",
    hidden: string[],
    since: Date | undefined,
  ): Promise<{ owner: PartyRef; id: string }[]> {
    if (module === "locations") {
      const rows = await db
        .select({
          cc: locations.countryCode,
          pid: locations.partyId,
          id: locations.locationId,
          data: sql<string>`${locations.data}->>'id'`,
        })
        .from(locations)
        .where(
          and(
            eq(locations.published, true),
            hidden.length > 0 ? notInArray(locations.platformId, hidden) : undefined,
            since === undefined ? undefined : gte(locations.lastUpdated, since),
          ),
        )
        .orderBy(asc(locations.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.cc, partyId: r.pid },
        id: r.data ?? r.id,
      }));
    }
    const rows = await db
      .select({
        cc: tariffs.countryCode,
        pid: tariffs.partyId,
        id: tariffs.tariffId,
        data: sql<string>`${tariffs.data}->>'id'`,
      })
      .from(tariffs)
      .where(
        and(
          hidden.length > 0 ? notInArray(tariffs.platformId, hidden) : undefined,
          since === undefined ? undefined : gte(tariffs.lastUpdated, since),
        ),
      )
      .orderBy(asc(tariffs.seq));
    return rows.map((r) => ({ owner: { countryCode: r.cc, partyId: r.pid }, id: r.data ?? r.id }));
  }

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

  // --- ownership ------------------------------------------------------------------------

  function newCounters(row?: DeliveryRecipientRow): Counters {
    return {
      delivered: 0,
      dropped: 0,
      retrying: new Set(),
      failingSince: row?.failingSince ?? undefined,
      lastError: row?.lastError ?? undefined,
      lastErrorAt: row?.lastErrorAt ?? undefined,
      lastSuccessAt: row?.lastSuccessAt ?? undefined,
      dirty: false,
      goingOffline: false,
      purged: false,
    };
  }

  async function acquire(recipient: string, row: DeliveryRecipientRow | undefined): Promise<void> {
    await queue.open(recipient);
    const h: Held = {
      counters: newCounters(row),
      objects: new Map(),
      lastProbe: Date.now(),
      consumption: { stop: async () => {} },
    };
    held.set(recipient, h);
    h.consumption = queue.consume(recipient, CONCURRENCY, (q) => handle(recipient, h, q));
  }

  async function release(recipient: string, hand: boolean): Promise<void> {
    const h = held.get(recipient);
    if (h === undefined) return;
    held.delete(recipient);
    await h.consumption.stop();
    await flush([[recipient, h]]).catch(() => {});
    if (hand) {
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
  }

  async function flush(entries: Iterable<[string, Held]>): Promise<void> {
    const rows: { id: string; delivered: number; dropped: number; [k: string]: unknown }[] = [];
    const flushed: Counters[] = [];
    for (const [id, h] of entries) {
      const c = h.counters;
      if (!c.dirty) continue;
      c.dirty = false;
      flushed.push(c);
      rows.push({
        id,
        delivered: c.delivered,
        dropped: c.dropped,
        retrying: c.retrying.size,
        last_error: c.lastError ?? null,
        last_error_at: c.lastErrorAt?.toISOString() ?? null,
        last_success_at: c.lastSuccessAt?.toISOString() ?? null,
        failing_since: c.failingSince?.toISOString() ?? null,
      });
    }
    if (rows.length === 0) return;
    try {
      await db.execute(sql`
        update delivery_recipients r set
          delivered = r.delivered + v.delivered,
          dropped = r.dropped + v.dropped,
          retrying = v.retrying,
          last_error = v.last_error,
          last_error_at = v.last_error_at,
          last_success_at = v.last_success_at,
          failing_since = v.failing_since
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
          id text, delivered bigint, dropped bigint, retrying int, last_error text,
          last_error_at timestamptz, last_success_at timestamptz, failing_since timestamptz)
        where r.platform_id = v.id`);
    } catch (err) {
      for (const c of flushed) c.dirty = true;
      throw err;
    }
    // Only what was written leaves memory, so the admin view never counts less meanwhile.
    flushed.forEach((c, i) => {
      const row = rows[i] as { delivered: number; dropped: number };
      c.delivered -= row.delivered;
      c.dropped -= row.dropped;
    });
  }

  async function tick(): Promise<void> {
    const now = new Date();
    const lapse = new Date(now.getTime() - LEASE_MS);
    await db
      .insert(hubInstances)
      .values({ id: d.instanceId, startedAt, heartbeatAt: now })
      .onConflictDoUpdate({ target: hubInstances.id, set: { heartbeatAt: now } });
    const live = (
      await db
        .select({ id: hubInstances.id })
        .from(hubInstances)
        .where(gt(hubInstances.heartbeatAt, lapse))
    ).map((r) => r.id);
    if (!live.includes(d.instanceId)) live.push(d.instanceId);
    if (++ticks % FORGET_EVERY === 0) {
      // Instances killed without a goodbye leave their heartbeat behind.
      await db
        .delete(hubInstances)
        .where(lt(hubInstances.heartbeatAt, new Date(now.getTime() - 3_600_000)));
    }

    const ids = registry.list().map((p) => p.id);
    const fresh = ids.filter((id) => !ensured.has(id));
    if (fresh.length > 0) {
      await db
        .insert(deliveryRecipients)
        .values(fresh.map((platformId) => ({ platformId })))
        .onConflictDoNothing();
      for (const id of fresh) ensured.add(id);
    }
    const wanted = ids.filter(
      (id) =>
        live.reduce((best, i) => (rendezvous(i, id) > rendezvous(best, id) ? i : best)) ===
        d.instanceId,
    );
    const claimed =
      wanted.length === 0
        ? []
        : await db
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
    const mine = new Map(claimed.map((r) => [r.platformId, r]));
    for (const id of [...held.keys()]) {
      // Not ours any more (another instance is due it, or our lease lapsed): hand it over.
      if (!mine.has(id)) await release(id, wanted.includes(id) === false);
    }
    for (const [id, row] of mine) {
      if (stopped) break;
      if (!held.has(id)) {
        await acquire(id, row).catch((err: unknown) =>
          logger.error({ err, platform_id: id }, "could not start delivering to a recipient"),
        );
      }
    }
    await flush(held.entries());
    for (const [id, h] of held) {
      if (Date.now() - h.lastProbe < config.probeIntervalMs) continue;
      h.lastProbe = Date.now();
      if (registry.get(id)?.status === "OFFLINE")
        d.background("probe an OFFLINE platform", () => probe(id));
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((err: unknown) => logger.error({ err }, "delivery housekeeping failed"))
        .finally(() => {
          ticking = undefined;
          schedule();
        });
    }, TICK_MS);
    timer.unref();
  }

  return {
    queue,
    publish,
    recipientsOf(module, senderPlatformId) {
      const roles = RECEIVING_ROLES[module];
      const out: { platform: Platform; party: PartyRef }[] = [];
      for (const p of registry.list()) {
        if (p.id === senderPlatformId || p.status !== "CONNECTED" || p.outboundToken === null)
          continue;
        if (endpointOf(p, module, "RECEIVER") === undefined) continue;
        const party = p.roles.find((r) => roles.includes(r.role));
        if (party !== undefined) out.push({ platform: p, party });
      }
      return out;
    },
    reachable(platformId) {
      d.background("mark a platform CONNECTED again", () => backOnline(platformId));
    },
    resync,
    async opened(platformId) {
      await queue.open(platformId);
    },
    async removed(platformId) {
      await release(platformId, false);
      await queue.remove(platformId);
    },
    async view() {
      const rows = await db.select().from(deliveryRecipients);
      const byId = new Map(rows.map((r) => [r.platformId, r]));
      const list = registry.list().sort((a, b) => a.seq - b.seq);
      const backlogs = await Promise.all(
        list.map((p) => queue.backlog(p.id).catch((): Backlog => ({ pending: -1, inFlight: -1 }))),
      );
      return list.map((p, i): RecipientView => {
        const r = byId.get(p.id);
        const h = held.get(p.id);
        const b = backlogs[i] as Backlog;
        return {
          platform_id: p.id,
          name: p.name,
          status: p.status,
          pending: b.pending,
          in_flight: b.inFlight,
          retrying: h?.counters.retrying.size ?? r?.retrying ?? 0,
          dropped: (r?.dropped ?? 0) + (h?.counters.dropped ?? 0),
          delivered: (r?.delivered ?? 0) + (h?.counters.delivered ?? 0),
          last_error: h?.counters.lastError ?? r?.lastError ?? null,
          last_error_at: (h?.counters.lastErrorAt ?? r?.lastErrorAt)?.toISOString() ?? null,
          last_success_at: (h?.counters.lastSuccessAt ?? r?.lastSuccessAt)?.toISOString() ?? null,
          failing_since: (h ? h.counters.failingSince : r?.failingSince)?.toISOString() ?? null,
          offline_since: r?.offlineSince?.toISOString() ?? null,
        };
      });
    },
    start() {
      if (timer !== undefined || stopped) return;
      // The first round runs at once, so a restarted instance resumes without waiting a tick.
      ticking = tick()
        .catch((err: unknown) => logger.error({ err }, "delivery housekeeping failed"))
        .finally(() => {
          ticking = undefined;
          schedule();
        });
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await ticking;
      for (const id of [...held.keys()]) await release(id, true).catch(() => {});
      await db
        .delete(hubInstances)
        .where(eq(hubInstances.id, d.instanceId))
        .catch(() => {});
    },
  };
}
