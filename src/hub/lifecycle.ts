import { randomUUID } from "node:crypto";
import type { DatabaseHandle } from "../db/client.js";
import type { RecipientEvents } from "../delivery/events.js";
import type { DeliveryService } from "../delivery/service.js";
import type { Clock } from "../deps.js";
import type { OcpiClient } from "../egress/ocpi-client.js";
import type { Logger } from "../logging/logger.js";
import { generateToken, hashToken } from "../ocpi/tokens.js";
import type { Platform, Registry } from "../registry/registry.js";
import type { PartyKey, RegistryStore } from "../registry/store.js";
import type { BackgroundTasks } from "../tasks.js";
import { announcePlatform } from "./hubclientinfo.js";

/**
 * Every change of a platform's status, in one place: the registry row is
 * written, every instance's snapshot refreshed, the other platforms told
 * (hubclientinfo), and delivery kept in step. The cache sync that follows
 * a registration or a resume is started by the caller, with its Deps.
 */
export interface PlatformLifecycle {
  /**
   * A new platform, PENDING with a fresh Token A; its delivery consumer is
   * opened. Undefined when one of its roles was invited meanwhile (by
   * another instance).
   */
  invite(
    name: string,
    roles: PartyKey[],
    log?: Logger,
  ): Promise<{ id: string; tokenA: string } | undefined>;
  /** The operator suspends the platform; false when it was suspended already. */
  suspend(platform: Platform): Promise<boolean>;
  /**
   * The operator lifts a suspension: CONNECTED when the platform is
   * registered, PENDING otherwise; undefined when it was not suspended.
   */
  resume(platform: Platform): Promise<"CONNECTED" | "PENDING" | undefined>;
  /** The platform, its parties and its queue go; its parties stay SUSPENDED in ClientInfo. */
  remove(platform: Platform, log?: Logger): Promise<void>;
  /** A credentials exchange was stored: the platform is CONNECTED. */
  registered(platformId: string): Promise<void>;
  /** Its registration ended (credentials DELETE): PENDING, tokens and endpoints forgotten. */
  unregistered(platformId: string): Promise<void>;
  /** Delivery to it kept failing past the window: OFFLINE. */
  markOffline(platformId: string): Promise<void>;
  /** An OFFLINE platform got an answer from the hub: CONNECTED again, in the background. */
  markReachable(platformId: string): void;
}

export interface LifecycleDeps {
  db: DatabaseHandle;
  store: RegistryStore;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  tasks: BackgroundTasks;
  client: OcpiClient;
  deliveries: DeliveryService;
  /** Delivery's reports on its recipients; the lifecycle listens from its construction. */
  recipientEvents: Pick<RecipientEvents, "listen">;
}

export function createPlatformLifecycle(d: LifecycleDeps): PlatformLifecycle {
  const { store, registry, clock, logger, tasks, deliveries } = d;
  const announce = (platformId: string) => announcePlatform(d, platformId);

  async function markOffline(platformId: string): Promise<void> {
    if (!(await store.changeStatus(platformId, "CONNECTED", "OFFLINE", clock.now()))) return;
    await registry.changed(platformId);
    await announce(platformId);
  }

  /** Back from OFFLINE: the others are told, and it catches up on what it missed. */
  async function reconnect(platformId: string): Promise<void> {
    if (!(await store.changeStatus(platformId, "OFFLINE", "CONNECTED", clock.now()))) return;
    const offlineSince = await deliveries.clearOffline(platformId);
    await registry.changed(platformId);
    logger.info({ platform_id: platformId }, "recipient reachable again: CONNECTED");
    await announce(platformId);
    await deliveries.catchUp(platformId, offlineSince);
  }

  d.recipientEvents.listen({ failing: markOffline, reachable: reconnect });

  return {
    async invite(name, roles, log = logger) {
      const id = randomUUID();
      const tokenA = generateToken();
      try {
        await store.insertPlatform({
          id,
          name,
          tokenAHash: hashToken(tokenA),
          roles,
          now: clock.now(),
        });
      } catch (err) {
        // Another instance invited the same party in the meantime (unique constraint).
        await registry.refresh();
        if (roles.some((r) => registry.findParty(r.role, r.countryCode, r.partyId)))
          return undefined;
        throw err;
      }
      await registry.changed(id);
      await deliveries
        .opened(id)
        .catch((err: unknown) =>
          log.error({ err, platform_id: id }, "could not create the delivery consumer"),
        );
      tasks.run("announce invited platform", () => announce(id));
      return { id, tokenA };
    },

    async suspend(platform) {
      if (platform.status === "SUSPENDED") return false;
      await store.update(platform.id, { status: "SUSPENDED" }, clock.now());
      await registry.changed(platform.id);
      tasks.run("announce suspended platform", () => announce(platform.id));
      return true;
    },

    async resume(platform) {
      if (platform.status !== "SUSPENDED") return undefined;
      const registered = platform.version !== null && platform.outboundToken !== null;
      const status = registered ? "CONNECTED" : "PENDING";
      await store.update(platform.id, { status }, clock.now());
      await registry.changed(platform.id);
      tasks.run("announce resumed platform", () => announce(platform.id));
      return status;
    },

    async remove(platform, log = logger) {
      await store.deletePlatform(platform.id);
      await registry.changed(platform.id);
      await deliveries
        .removed(platform.id)
        .catch((err: unknown) =>
          log.error({ err, platform_id: platform.id }, "could not remove the delivery consumer"),
        );
      tasks.run("close the removed platform's pools", () => d.client.release(platform.id));
      tasks.run("announce removed platform", () =>
        announcePlatform(d, platform.id, platform.roles),
      );
    },

    async registered(platformId) {
      await registry.changed(platformId);
      logger.info({ platform_id: platformId }, "platform registered");
      tasks.run("announce connected platform", () => announce(platformId));
    },

    async unregistered(platformId) {
      await store.clearRegistration(platformId, clock.now());
      await registry.changed(platformId);
      tasks.run("close the unregistered platform's pools", () => d.client.release(platformId));
      tasks.run("announce unregistered platform", () => announce(platformId));
    },

    markOffline,

    markReachable(platformId) {
      tasks.run("mark a platform CONNECTED again", () => reconnect(platformId));
    },
  };
}
