import { randomUUID } from "node:crypto";
import { openAdminTokens } from "./admin/token.js";
import type { AdminTokens } from "./admin/token-set.js";
import type { Bus } from "./bus/bus.js";
import { createInProcessBus } from "./bus/in-process-bus.js";
import { type NatsNames, natsNames } from "./bus/names.js";
import { connectNats, createNatsBus } from "./bus/nats-bus.js";
import { type CacheStore, createCacheStore } from "./cache/store.js";
import type { Config } from "./config/schema.js";
import { type DatabaseHandle, openDatabase } from "./db/client.js";
import { startEmbeddedVacuum } from "./db/maintenance.js";
import { assertMigrated, migrate } from "./db/migrate.js";
import { createRecipientEvents } from "./delivery/events.js";
import { createJetStreamQueue } from "./delivery/jetstream-queue.js";
import { createMemoryQueue, type ShedListener } from "./delivery/memory-queue.js";
import type { DeliveryQueue } from "./delivery/queue.js";
import { ackWaitMs, createDeliveryService, type DeliveryService } from "./delivery/service.js";
import { createOcpiClient, type OcpiClient } from "./egress/ocpi-client.js";
import { createUrlPolicy, type UrlPolicy } from "./egress/url-policy.js";
import { watchAgreementStarts } from "./hub/agreement-starts.js";
import { createPlatformLifecycle, type PlatformLifecycle } from "./hub/lifecycle.js";
import { createLogger, type Logger } from "./logging/logger.js";
import type { MessageLog } from "./messages/log.js";
import { openMessageLog } from "./messages/retention.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { hubPseudonym, viaValue } from "./ocpi/loop-mark.js";
import { registerMessageLogMetrics } from "./ops/message-log-metrics.js";
import { registerHubGauges } from "./ops/metrics-gauges.js";
import { createRegistry, type Registry } from "./registry/registry.js";
import { createRegistryStore, type RegistryStore } from "./registry/store.js";
import { createRoutingStore, type RoutingStore } from "./routing/store.js";
import { type BackgroundTasks, createBackgroundTasks, startRoutingSweep } from "./tasks.js";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The bus between instances and the delivery queues: on one NATS connection, or both in this process. */
export interface Transport {
  bus: Bus;
  queue: DeliveryQueue;
}

/** Every collaborator of the app; handlers reach them through c.var.deps. */
export interface Deps {
  config: Readonly<Config>;
  db: DatabaseHandle;
  bus: Bus;
  /** Per-recipient delivery queues: JetStream on the bus's connection, or in memory. */
  queue: DeliveryQueue;
  logger: Logger;
  clock: Clock;
  client: OcpiClient;
  /** URL_POLICY: what the hub may store and call of the URLs platforms give it. */
  urlPolicy: UrlPolicy;
  store: RegistryStore;
  registry: Registry;
  /** Token owners, route hints, callbacks and CDR links of routed traffic. */
  routing: RoutingStore;
  /** The hub's copy of every CPO's locations and tariffs. */
  cache: CacheStore;
  tasks: BackgroundTasks;
  /** Broadcast pushes and ClientInfo, per recipient, with retries and catch-up. */
  deliveries: DeliveryService;
  /** Invitation, suspension, registration, OFFLINE and back, removal. */
  lifecycle: PlatformLifecycle;
  metrics: Metrics;
  /** The admin bearer tokens in force (the bootstrap one and the issued ones), by hash. */
  adminTokens: AdminTokens;
  /** The record of OCPI traffic, written in batches off the request path (docs/messages.md). */
  messages: MessageLog;
  /** Set when this start generated the admin token; the caller shows it once. */
  generatedAdminToken: string | undefined;
  instanceId: string;
  /** Stops the periodic housekeeping. */
  stopHousekeeping: () => void;
}

export interface DepsOverrides {
  db?: DatabaseHandle;
  transport?: Transport;
  logger?: Logger;
  clock?: Clock;
}

/** How the transport is opened; the NATS settings apply only when there is a NATS URL. */
export interface TransportOptions {
  ackWaitMs: number;
  metrics?: Metrics;
  /** Stream, subjects and durables of NATS_PREFIX; the default prefix's when not given. */
  names?: NatsNames;
  /** NATS_STREAM_REPLICAS. */
  replicas?: number;
  /** NATS_CREDS. */
  credsFile?: string;
}

/**
 * NATS when a URL is given: the bus and the JetStream queue share one
 * connection, and the stream is provisioned. Otherwise both in this process.
 */
export async function openTransport(
  natsUrl: string | undefined,
  logger: Logger,
  options: TransportOptions,
): Promise<Transport> {
  if (natsUrl === undefined) {
    const { metrics } = options;
    // Past its byte bound the in-process queue sheds work: counted per module and kind.
    const onShed: ShedListener = (d, what) =>
      metrics?.observeDelivery(d.module, what === "body" ? "shed-body" : "shed");
    return { bus: createInProcessBus(logger), queue: createMemoryQueue({ onShed }) };
  }
  const nc = await connectNats(natsUrl, logger, { credsFile: options.credsFile });
  try {
    const queue = await createJetStreamQueue(nc, logger, options);
    return { bus: createNatsBus(nc, logger), queue };
  } catch (err) {
    await nc.close();
    throw err;
  }
}

/** Opens the database (and migrates it), the transport and the outbound client, then loads the registry. */
export async function createDeps(
  config: Readonly<Config>,
  overrides: DepsOverrides = {},
): Promise<Deps> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db = overrides.db ?? (await openDatabase(config.database));
  try {
    if (config.migrateOnStart) await migrate(db, config.database);
    else await assertMigrated(db);
    const metrics = createMetrics();
    const names = natsNames(config.natsPrefix);
    const { bus, queue } =
      overrides.transport ??
      (await openTransport(config.natsUrl, logger, {
        ackWaitMs: ackWaitMs(config),
        metrics,
        names,
        replicas: config.natsStreamReplicas,
        credsFile: config.natsCreds,
      }));
    const clock = overrides.clock ?? systemClock;
    const store = createRegistryStore(db.db, { tokenKey: config.tokenEncryptionKey });
    const instanceId = randomUUID();
    const registry = await createRegistry({
      store,
      bus,
      changedSubject: names.registryChanged,
      logger,
      instanceId,
      roamingPolicy: config.roamingPolicy,
      now: () => clock.now(),
    });
    const admin = await openAdminTokens(db, config.adminToken, { bus, names, instanceId, logger });
    const routing = createRoutingStore(db.db);
    const urlPolicy = createUrlPolicy({
      policy: config.urlPolicy,
      allow: config.urlAllow,
      hubUrl: config.hubUrl,
    });
    warnOpenPolicy(config, logger);
    const messages = openMessageLog(db.db, logger, config.messageLog, () => clock.now());
    const client = createOcpiClient({
      messages,
      timeoutMs: config.forwardTimeoutMs,
      policy: urlPolicy,
      via: viaValue(hubPseudonym(config.hubUrl)),
      maxResponseBytes: config.maxRelayBytes,
    });
    const cache = createCacheStore(db.db);
    const tasks = createBackgroundTasks(logger);
    const recipientEvents = createRecipientEvents();
    const deliveries = createDeliveryService({
      config,
      db: db.db,
      queue,
      registry,
      client,
      logger,
      metrics,
      clock,
      instanceId,
      cached: cache,
      events: recipientEvents,
      background: (name, work) => tasks.run(name, work),
    });
    const lifecycle = createPlatformLifecycle({
      db,
      store,
      registry,
      clock,
      logger,
      tasks,
      client,
      deliveries,
      recipientEvents,
    });
    deliveries.start();
    const deps: Deps = {
      config,
      db,
      bus,
      queue,
      logger,
      clock,
      client,
      urlPolicy,
      store,
      registry,
      routing,
      cache,
      tasks,
      deliveries,
      lifecycle,
      metrics,
      adminTokens: admin.tokens,
      messages,
      generatedAdminToken: admin.generated,
      instanceId,
      stopHousekeeping: () => {},
    };
    registerHubGauges(deps);
    registerMessageLogMetrics(deps);
    const stopSweep = startRoutingSweep(routing, clock, logger);
    const stopStarts = watchAgreementStarts(deps);
    const stopVacuum = startEmbeddedVacuum(db, logger);
    deps.stopHousekeeping = () => {
      stopSweep();
      stopStarts();
      stopVacuum();
    };
    return deps;
  } catch (err) {
    if (overrides.db === undefined) await db.close().catch(() => {});
    throw err;
  }
}

/** URL_POLICY=open is for trials: said once at start. */
function warnOpenPolicy(config: Readonly<Config>, logger: Logger): void {
  if (config.urlPolicy !== "open") return;
  logger.warn(
    { url_policy: "open" },
    "URL_POLICY=open: the hub calls any http(s) URL a platform gives it, internal addresses included; set an https HUB_URL or URL_POLICY=strict outside a local trial",
  );
}

/** Lets running tasks end, then closes the registry, outbound pools, queue, bus and database. */
export async function closeDeps(deps: Deps): Promise<void> {
  deps.tasks.stop();
  await deps.deliveries.stop();
  await deps.tasks.idle();
  deps.stopHousekeeping();
  deps.registry.close();
  deps.adminTokens.close();
  await deps.client.close();
  await deps.messages.close();
  await deps.queue.close();
  await deps.bus.close();
  await deps.db.close();
}
