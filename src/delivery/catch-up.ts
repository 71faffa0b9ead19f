import { randomUUID } from "node:crypto";
import type { Config } from "../config/schema.js";
import type { Clock } from "../deps.js";
import type { Logger } from "../logging/logger.js";
import { broadcastOf, CACHED_MODULES } from "../modules/index.js";
import type { ObjectRef } from "../modules/module-spec.js";
import { type PartyRef, sameParty } from "../ocpi/parties.js";
import { endpointOf, type Registry } from "../registry/registry.js";
import {
  type CachedModule,
  currentTarget,
  type Delivery,
  isCachedModule,
  objectKey,
} from "./queue.js";
import { RETRY_MAX_MS } from "./worker.js";

/** Cached objects queued at once during a catch-up or resync. */
const CATCH_UP_CHUNK = 500;

/** The hub's cached objects, as catch-up reads them. */
export interface CachedObjects {
  /**
   * The objects the recipient platform may see that changed since `since`
   * (all of them without it), leaving out those of the `hidden` platforms,
   * in the order they were first cached: unpublished locations only when
   * its tokens unlock them (publish_allowed_to).
   */
  changedKeys(
    module: CachedModule,
    filter: { recipient?: string; hidden: readonly string[]; since?: Date },
  ): Promise<ObjectRef[]>;
  /**
   * An object's current copy as JSON text (a token's of that `type`);
   * undefined when it is not cached, or, with a recipient, a location that
   * recipient may not see.
   */
  currentDoc(
    module: CachedModule,
    owner: PartyRef,
    id: string,
    options?: { type?: string; recipient?: string },
  ): Promise<string | undefined>;
  /**
   * An object's current copy whoever asks, and whether every recipient may
   * see it; undefined when it is not cached.
   */
  currentCopy(
    module: CachedModule,
    owner: PartyRef,
    id: string,
    options?: { type?: string },
  ): Promise<{ doc: string; everyone: boolean } | undefined>;
}

/** How many objects of each cached module the platform receives were queued. */
export type Queued = Partial<Record<CachedModule, number>>;

/** The cached modules, in the order of the module table. */
const CACHED: readonly CachedModule[] = CACHED_MODULES.map((m) => m.id).filter(isCachedModule);

export interface CatchUpDeps {
  config: Readonly<Config>;
  registry: Registry;
  logger: Logger;
  clock: Clock;
  cached: CachedObjects;
  publish(deliveries: readonly Delivery[]): Promise<void>;
}

/**
 * A platform gets back in sync with the current copy of cached objects
 * rather than a replay of missed pushes (transport_and_format: Offline
 * behaviour): everything on the operator's resync, what changed while it
 * was away on its return. An eMSP gets locations and tariffs, a CPO the
 * eMSPs' tokens (PUT to its tokens Receiver with `?type=`).
 */
export function createCatchUp(d: CatchUpDeps) {
  const { config, registry } = d;

  /**
   * Queues the current state of every cached object the platform may see
   * (changed since `since`; of the `only` party when given).
   */
  async function resync(platformId: string, since?: Date, only?: PartyRef): Promise<Queued> {
    const platform = registry.get(platformId);
    const result: Queued = {};
    if (platform === undefined || platform.status !== "CONNECTED") return result;
    const hidden = registry
      .list()
      .filter((p) => p.status === "PENDING" || p.status === "SUSPENDED" || p.id === platformId)
      .map((p) => p.id);
    for (const module of CACHED) {
      const roles = broadcastOf(module)?.recipients ?? [];
      const party = platform.roles.find((r) => roles.some((role) => role === r.role));
      if (party === undefined) continue;
      result[module] = 0;
      if (endpointOf(platform, module, "RECEIVER") === undefined) continue;
      // Under ROAMING_POLICY=agreements, only the objects of its roaming partners.
      const partners = registry.partnersOf(party, module);
      const keys = (
        await d.cached.changedKeys(module, { recipient: platformId, hidden, since })
      ).filter(
        (k) =>
          (only === undefined || sameParty(only, k.owner)) &&
          (partners === undefined || partners.some((p) => sameParty(p, k.owner))),
      );
      const acceptedAt = d.clock.now().getTime();
      const correlationId = randomUUID();
      for (let i = 0; i < keys.length; i += CATCH_UP_CHUNK) {
        await d.publish(
          keys.slice(i, i + CATCH_UP_CHUNK).map((k) => ({
            recipient: platformId,
            module,
            key: objectKey(k.owner, k.id, k.type),
            method: "PUT" as const,
            ...currentTarget(k),
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

  /** With DELIVERY_CATCH_UP, queues what changed while the platform was OFFLINE. */
  async function catchUp(platformId: string, offlineSince: Date | undefined): Promise<void> {
    if (!config.deliveryCatchUp) return;
    // The first failure came up to a window (and one backoff) before OFFLINE, and updates
    // queued up to a window before that may have been dropped too.
    const since =
      offlineSince === undefined
        ? undefined
        : new Date(offlineSince.getTime() - 2 * config.deliveryWindowMs - RETRY_MAX_MS);
    const queued = await resync(platformId, since);
    d.logger.info({ platform_id: platformId, ...queued }, "catch-up queued");
  }

  return { resync, catchUp };
}
