import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { serve } from "@hono/node-server";
import { expect } from "vitest";
import { createApp } from "../../src/app.js";
import type { Bus } from "../../src/bus/bus.js";
import { createInProcessBus } from "../../src/bus/in-process-bus.js";
import { natsNames } from "../../src/bus/names.js";
import { loadConfig } from "../../src/config/load.js";
import { createMemoryQueue } from "../../src/delivery/memory-queue.js";
import type { DeliveryQueue } from "../../src/delivery/queue.js";
import { ackWaitMs } from "../../src/delivery/service.js";
import { type Clock, createDeps, type Deps, openTransport } from "../../src/deps.js";
import type { GuardOptions } from "../../src/ingress/guards.js";
import { createLogger } from "../../src/logging/logger.js";
import { freshDatabase, type TestDatabase } from "./database.js";
import { FakePlatform, type FakePlatformOptions, type FakeRole } from "./fake-platform.js";
import { closeServer } from "./net.js";

/** The admin API's answer to an invitation. */
export interface Invited {
  id: string;
  name: string;
  status: string;
  roles: { role: string; country_code: string; party_id: string }[];
  token_a: string;
  versions_url: string;
}

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export const usingNats = (process.env.NATS_URL ?? "") !== "";

/** The delivery queue of each shared in-process bus: hubs that share the bus share it too. */
const sharedQueues = new WeakMap<Bus, DeliveryQueue>();

function sharedQueue(bus: Bus): DeliveryQueue {
  let queue = sharedQueues.get(bus);
  if (queue === undefined) {
    queue = createMemoryQueue();
    sharedQueues.set(bus, queue);
  }
  return queue;
}

export interface TestHub {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  versionsUrl: string;
  deps: Deps;
  database: TestDatabase;
  /** Every log line the hub wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Raw log text, to check that no secret was written. */
  logText(): string;
  admin(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: any }>;
  /**
   * Waits until background work has ended and no delivery waits or is in
   * flight (ClientInfo and broadcast pushes are delivered asynchronously).
   */
  settled(ms?: number): Promise<void>;
  /** Invites a platform through the admin API; the test fails unless that answers 201. */
  invite(roles: object[], name?: string): Promise<Invited>;
  /** A fake platform on 127.0.0.1, closed together with the hub. */
  fake(options: FakePlatformOptions): Promise<FakePlatform>;
  /** Invites a fake platform and lets it register itself (party-initiated). */
  connect(
    roles: FakeRole[],
    options?: { modules?: FakePlatformOptions["modules"]; name?: string },
  ): Promise<{ platform: FakePlatform; id: string }>;
  close(): Promise<void>;
}

export interface TestHubOptions {
  /** Share a database with another hub (two instances). */
  database?: TestDatabase;
  /** Share an in-process bus (and its delivery queue) with another hub in this process. */
  bus?: Bus;
  clock?: Clock;
  env?: Record<string, string>;
  /** Other lockout and platform-limit thresholds than the product's. */
  guards?: GuardOptions;
}

/**
 * Starts a hub on 127.0.0.1 on an ephemeral port, on a fresh database
 * (PGlite, or a copy of the PostgreSQL template when DATABASE_URL is set) and
 * the in-process bus (or the real NATS when NATS_URL is set).
 */
export async function startHub(options: TestHubOptions = {}): Promise<TestHub> {
  let app: ReturnType<typeof createApp> | undefined;
  const server = serve({
    fetch: (req, env) => (app ? app.fetch(req, env) : new Response("starting", { status: 503 })),
    port: 0,
    hostname: "127.0.0.1",
  });
  await new Promise<void>((resolve) => {
    if (server.listening) resolve();
    else server.once("listening", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const database = options.database ?? (await freshDatabase());
  const config = loadConfig({
    PORT: String(port),
    HUB_URL: url,
    DATABASE_URL: "memory://",
    ADMIN_TOKEN,
    FORWARD_TIMEOUT_MS: "2000",
    LOG_LEVEL: "debug",
    ...(usingNats ? { NATS_PREFIX: database.natsPrefix } : {}),
    ...options.env,
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger("debug", sink);
  const ownsBus = options.bus === undefined;
  const transport =
    options.bus === undefined
      ? await openTransport(usingNats ? process.env.NATS_URL : undefined, logger, {
          ackWaitMs: ackWaitMs(config),
          names: natsNames(config.natsPrefix),
        })
      : { bus: options.bus, queue: sharedQueue(options.bus) };
  const deps = await createDeps(config, {
    db: database.handle,
    transport,
    logger,
    clock: options.clock,
  });
  app = createApp(deps, { guards: options.guards });

  let closed = false;
  const fakes: FakePlatform[] = [];
  const hub: TestHub = {
    url,
    versionsUrl: `${url}/ocpi/versions`,
    deps,
    database,
    get logs() {
      return lines
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => lines.join(""),
    async admin(method, path, body, token = ADMIN_TOKEN) {
      const res = await fetch(`${url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body:
          body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async settled(ms = 10_000) {
      const deadline = Date.now() + ms;
      let quiet = 0;
      while (quiet < 2) {
        if (Date.now() > deadline) throw new Error(`deliveries still under way after ${ms} ms`);
        await deps.tasks.idle();
        const view = await deps.deliveries.view();
        const busy = view.some((r) => r.pending > 0 || r.in_flight > 0);
        quiet = busy ? 0 : quiet + 1;
        await new Promise((resolve) => setTimeout(resolve, busy ? 20 : 5));
      }
    },
    async invite(roles, name = "Platform") {
      const res = await hub.admin("POST", "/platforms", { name, roles });
      expect(res.status).toBe(201);
      return res.body as Invited;
    },
    async fake(options) {
      const platform = await FakePlatform.start(options);
      fakes.push(platform);
      return platform;
    },
    async connect(roles, options = {}) {
      const platform = await hub.fake({ roles, modules: options.modules });
      const invited = await hub.invite(roles, options.name);
      const answer = await platform.register(invited.versions_url, invited.token_a);
      expect(answer.status).toBe(200);
      expect(answer.body.status_code).toBe(1000);
      return { platform, id: invited.id };
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeServer(server as Server);
      deps.tasks.stop();
      await deps.deliveries.stop();
      await deps.tasks.idle();
      deps.stopHousekeeping();
      deps.registry.close();
      deps.adminTokens.close();
      await deps.client.close();
      await deps.messages.close();
      if (ownsBus) {
        await transport.queue.close();
        await transport.bus.close();
      }
      if (options.database === undefined) await database.dispose();
      await Promise.all(fakes.splice(0).map((f) => f.close()));
    },
  };
  return hub;
}

/** What startTwoInstances started, for closeInstances. */
const instances: { hubs: TestHub[]; database?: TestDatabase; bus?: Bus } = { hubs: [] };

/**
 * Two hub instances on one database (with the same clock and environment,
 * when given). On NATS each opens its own connection to the server, as
 * separate processes would; otherwise they share one in-process bus.
 * closeInstances ends them.
 */
export async function startTwoInstances(
  options: Pick<TestHubOptions, "clock" | "env"> = {},
): Promise<[TestHub, TestHub]> {
  const database = await freshDatabase();
  const bus = usingNats ? undefined : createInProcessBus();
  instances.database = database;
  instances.bus = bus;
  const a = await startHub({ ...options, database, bus });
  instances.hubs.push(a);
  const b = await startHub({ ...options, database, bus });
  instances.hubs.push(b);
  return [a, b];
}

/**
 * Stops both instances' deliveries before closing either (so neither takes
 * over what the other drops), and frees the database (with its NATS
 * streams) and the bus they share.
 */
export async function closeInstances(): Promise<void> {
  const hubs = instances.hubs.splice(0);
  for (const h of hubs) await h.deps.deliveries.stop();
  for (const h of hubs) await h.close();
  await instances.bus?.close();
  instances.bus = undefined;
  await instances.database?.dispose();
  instances.database = undefined;
}

/** A platform's status as the hub's admin API shows it. */
export async function platformStatus(hub: TestHub, platformId: string): Promise<string> {
  return (await hub.admin("GET", `/platforms/${platformId}`)).body.status;
}

/** A platform's row of GET /admin/deliveries. */
export async function deliveryRow(hub: TestHub, platformId: string): Promise<any> {
  const res = await hub.admin("GET", "/deliveries");
  expect(res.status).toBe(200);
  return res.body.data.find((r: { platform_id: string }) => r.platform_id === platformId);
}
