import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deliveryRecipients } from "../../src/db/schema/index.js";
import { openTransport } from "../../src/deps.js";
import { createLogger } from "../../src/logging/logger.js";
import { locationOf } from "../support/cache-fixtures.js";
import { usingPostgres } from "../support/database.js";
import { eventually, FakePlatform, type FakeRole } from "../support/fake-platform.js";
import {
  adminCall,
  type HubProcess,
  killHubProcesses,
  startHubProcess,
  waitHealthy,
} from "../support/hub-process.js";
import { freePort } from "../support/net.js";
import { scratchDatabase } from "../support/scratch-database.js";
import { closeInstances, startTwoInstances, type TestHub, usingNats } from "../support/test-hub.js";

/**
 * Broadcast pushes when the hub dies mid-delivery (a real process, killed
 * with SIGKILL) and when two instances share the recipients.
 */

const ADMIN = "delivery-instances-admin-token-0123456789";
const HUB = "NL/HUB";
const OWNER = "NL/CPO";
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const locationsReceiver = [{ identifier: "locations", role: "RECEIVER" as const }];
// biome-ignore lint/style/noProcessEnv: the hub processes use the test run's NATS server
const NATS_URL = process.env.NATS_URL ?? "";

interface Row {
  platform_id: string;
  status: string;
  pending: number;
  in_flight: number;
  delivered: number;
}

const fakes: FakePlatform[] = [];
const dirs: string[] = [];
/** Platforms whose JetStream consumers outlive the hub processes. */
const consumers: string[] = [];
let dropDatabase: (() => Promise<void>) | undefined;

/** The hub as a process on a free port, healthy before it is returned. */
async function startProcess(env: Record<string, string>): Promise<HubProcess> {
  const port = await freePort();
  const proc = await startHubProcess({
    PORT: String(port),
    HUB_URL: `http://127.0.0.1:${port}`,
    ADMIN_TOKEN: ADMIN,
    FORWARD_TIMEOUT_MS: "2000",
    LOG_LEVEL: "warn",
    DELIVERY_WINDOW_MS: "120000",
    ...env,
  });
  await waitHealthy(proc, 30_000);
  return proc;
}

const admin = (proc: HubProcess, method: string, path: string, body?: unknown) =>
  adminCall(proc, method, path, ADMIN, body);

/** Invites a fake platform through the process's admin API and lets it register. */
async function connect(
  proc: HubProcess,
  roles: FakeRole[],
  modules: { identifier: string; role: "SENDER" | "RECEIVER" }[],
): Promise<{ platform: FakePlatform; id: string }> {
  const platform = await FakePlatform.start({ roles, modules });
  fakes.push(platform);
  const invited = await admin(proc, "POST", "/platforms", { name: roles[0]?.party_id, roles });
  expect(invited.status).toBe(201);
  consumers.push(invited.body.id);
  const answer = await platform.register(invited.body.versions_url, invited.body.token_a);
  expect(answer.status).toBe(200);
  expect(answer.body.status_code).toBe(1000);
  return { platform, id: invited.body.id };
}

const emspRole = (i: number): FakeRole => ({
  role: "EMSP",
  country_code: "DE",
  party_id: `E${String(i).padStart(2, "0")}`,
});

const locationIds = (n: number) =>
  Array.from({ length: n }, (_, i) => `LOC${String(i + 1).padStart(2, "0")}`);

/** The location PUTs a platform received, by path ("/NL/CPO/LOC01"). */
const puts = (platform: FakePlatform) =>
  platform.moduleRequests("locations", "RECEIVER").filter((r) => r.method === "PUT");

const putPaths = (platform: FakePlatform) => puts(platform).map((r) => r.tail);

/** Each push carries its own correlation id, which the hub passes on to the recipients. */
const pushCorrelation = (id: string) => `push-${id}`;

const hasAll = (paths: string[], ids: string[]) =>
  ids.every((id) => paths.includes(`/${OWNER}/${id}`));

/** Waits until every platform got every location; says who lacks what, and the hub's output, if not. */
async function allDelivered(
  paths: (platform: FakePlatform) => string[],
  receivers: { platform: FakePlatform }[],
  ids: string[],
  hub: HubProcess,
  ms: number,
) {
  await eventually(() => receivers.every(({ platform }) => hasAll(paths(platform), ids)), ms).catch(
    (err: Error) => {
      const missing = receivers.map(({ platform }) =>
        ids.filter((id) => !paths(platform).includes(`/${OWNER}/${id}`)),
      );
      throw new Error(`${err.message}; missing ${JSON.stringify(missing)}\n${hub.output()}`);
    },
  );
}

/** A broadcast of one location by the CPO, answered by the hub at `url` at once. */
async function broadcast(cpo: FakePlatform, url: string, id: string, recipients: number) {
  const answer = await cpo.hubRoute("PUT", `${url}/ocpi/2.2.1/locations/receiver/${OWNER}/${id}`, {
    to: HUB,
    body: locationOf(OWNER, id),
    headers: { "x-correlation-id": pushCorrelation(id) },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.status_code).toBe(1000);
  expect(answer.body.status_message).toBe(`queued for ${recipients} platforms`);
}

/**
 * Starts the hub, connects a CPO and `emsps` slow eMSPs, broadcasts `ids`
 * and SIGKILLs the hub while deliveries are under way. Returns what the
 * eMSPs had been sent and what the hub still held at that moment.
 */
async function killMidDelivery(env: Record<string, string>, emsps: number, ids: string[]) {
  const first = await startProcess(env);
  const { platform: cpo } = await connect(first, [cpoRole], []);
  const receivers: { platform: FakePlatform; id: string }[] = [];
  for (let i = 0; i < emsps; i += 5) {
    const batch = Array.from({ length: Math.min(5, emsps - i) }, (_, j) =>
      connect(first, [emspRole(i + j)], locationsReceiver),
    );
    receivers.push(...(await Promise.all(batch)));
  }
  receivers.forEach(({ platform }, i) => {
    // Slow answers keep deliveries in flight when the hub dies.
    const delayMs = 300 + ((i * 67) % 301);
    platform.on((req) => (req.module === "locations" ? { delayMs } : undefined));
  });

  await Promise.all(ids.map((id) => broadcast(cpo, first.url, id, emsps)));
  await eventually(() => receivers.some(({ platform }) => putPaths(platform).length > 0), 10_000);
  const backlog = await admin(first, "GET", "/deliveries");
  const seen = receivers.map(({ platform }) => new Set(putPaths(platform)).size);
  first.child.kill("SIGKILL");
  const { code, signal } = await first.exited;
  expect(signal).toBe("SIGKILL");
  expect(code).toBeNull();

  expect(backlog.status).toBe(200);
  const held = (backlog.body.data as Row[]).reduce((n, r) => n + r.pending + r.in_flight, 0);
  expect(held, "deliveries pending or in flight when the hub was killed").toBeGreaterThan(0);
  return { receivers, seen };
}

afterEach(async () => {
  await killHubProcesses();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  if (usingNats && consumers.length > 0) {
    // The hub processes are gone: their consumers on the shared server go too.
    const { bus, queue } = await openTransport(NATS_URL, createLogger("silent"), {
      ackWaitMs: 30_000,
    });
    for (const id of consumers.splice(0)) await queue.remove(id).catch(() => {});
    await bus.close();
  }
  consumers.length = 0;
  await dropDatabase?.();
  dropDatabase = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });

  await closeInstances();
});

/**
 * Where a hub process keeps its data: an empty PostgreSQL database that the
 * hub migrates on start (no template, so other test runs cannot drop it from
 * under the process), or PGlite in a temp dir.
 */
async function storage(): Promise<Record<string, string>> {
  if (usingPostgres) {
    const database = await scratchDatabase("kill");
    dropDatabase = () => database.drop();
    return { DATABASE_URL: database.url };
  }
  const dir = await mkdtemp(join(tmpdir(), "ocpi-hub-delivery-"));
  dirs.push(dir);
  return { DATA_DIR: dir };
}

describe("a hub process killed with deliveries under way", () => {
  if (usingNats) {
    it("delivers every queued location to every eMSP after a restart on the same JetStream", async () => {
      const env = { ...(await storage()), NATS_URL };
      const ids = locationIds(20);
      const { receivers, seen } = await killMidDelivery(env, 30, ids);
      expect(
        seen.some((n) => n > 0),
        "some eMSP had some location",
      ).toBe(true);
      expect(
        seen.some((n) => n < ids.length),
        "some eMSP lacked some location",
      ).toBe(true);

      const second = await startProcess(env);
      // Pending deliveries resume at once; those the dead process held come back after ack_wait.
      await allDelivered(putPaths, receivers, ids, second, 60_000);
      // Sent again after the restart, they are still the pushes the CPO made.
      for (const { platform } of receivers) {
        for (const r of puts(platform)) {
          expect(r.headers["x-correlation-id"]).toBe(
            pushCorrelation(r.tail.slice(`/${OWNER}/`.length)),
          );
        }
      }
      const rows = await eventually(async () => {
        const res = await admin(second, "GET", "/deliveries");
        const data = res.body.data as Row[];
        return data.every((r) => r.pending === 0 && r.in_flight === 0) && res.body;
      }, 30_000);
      expect(rows.durable).toBe(true);
      expect(rows.data).toHaveLength(31);
      expect((rows.data as Row[]).every((r) => r.status === "CONNECTED")).toBe(true);
    }, 120_000);
  } else {
    it("loses the in-memory queue, and a resync brings every location to every eMSP", async () => {
      const env = await storage();
      const ids = locationIds(5);
      const { receivers } = await killMidDelivery(env, 5, ids);
      // What the resync sends, told apart from what the killed process sent.
      const resent = (platform: FakePlatform) =>
        puts(platform)
          .filter((r) => !r.headers["x-correlation-id"]?.startsWith("push-"))
          .map((r) => r.tail);

      const second = await startProcess(env);
      const ready = await fetch(`${second.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { durable: boolean }).durable).toBe(false);
      const view = await admin(second, "GET", "/deliveries");
      expect(view.body.durable).toBe(false);
      expect(view.body.data).toHaveLength(6);
      for (const r of view.body.data as Row[]) {
        expect([r.status, r.pending, r.in_flight]).toEqual(["CONNECTED", 0, 0]);
      }

      for (const { platform } of receivers) expect(resent(platform)).toEqual([]);
      for (const { id } of receivers) {
        const resync = await admin(second, "POST", `/platforms/${id}/resync`);
        expect(resync.status).toBe(202);
        expect(resync.body).toEqual({ platform_id: id, queued: { locations: 5, tariffs: 0 } });
      }
      await allDelivered(resent, receivers, ids, second, 30_000);
      await eventually(async () => {
        const res = await admin(second, "GET", "/deliveries");
        return (res.body.data as Row[]).every((r) => r.pending === 0 && r.in_flight === 0);
      }, 20_000);
    }, 90_000);
  }
});

/** A CPO without Sender endpoints (nothing to sync) and `n` eMSPs, all connected through `via`. */
async function platformsOn(via: TestHub, n: number) {
  const { platform: cpo } = await via.connect([cpoRole], { name: "CPO", modules: [] });
  const emsps: { platform: FakePlatform; id: string }[] = [];
  for (let i = 0; i < n; i++) {
    emsps.push(await via.connect([emspRole(i)], { name: `eMSP ${i}`, modules: locationsReceiver }));
  }
  return { cpo, emsps };
}

/** Waits until the instance knows every platform as CONNECTED. */
const knowsAll = (hub: TestHub, n: number) =>
  eventually(
    () => hub.deps.registry.list().filter((p) => p.status === "CONNECTED").length === n,
    2_000,
  );

describe("two hub instances delivering broadcasts", () => {
  it("delivers each location once to each eMSP whichever instance took the push, and shares the recipients", async () => {
    const [a, b] = await startTwoInstances();
    const { cpo, emsps } = await platformsOn(a, 10);
    await knowsAll(b, 11);

    const ids = locationIds(10);
    for (const [i, id] of ids.entries()) await broadcast(cpo, (i % 2 === 0 ? a : b).url, id, 10);
    await eventually(() => emsps.every(({ platform }) => hasAll(putPaths(platform), ids)), 20_000);
    await a.settled(20_000);
    await b.settled(20_000);

    // Exactly once: no instance sends what the other one sent already.
    const once = Object.fromEntries(ids.map((id) => [`PUT /${OWNER}/${id}`, 1]));
    for (const { platform } of emsps) {
      const counts: Record<string, number> = {};
      for (const r of platform.moduleRequests("locations", "RECEIVER")) {
        const key = `${r.method} ${r.tail}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      expect(counts).toEqual(once);
    }

    for (const hub of [a, b]) {
      await eventually(async () => {
        const res = await hub.admin("GET", "/deliveries");
        const rows = res.body.data as Row[];
        return emsps.every(({ id }) => rows.find((r) => r.platform_id === id)?.delivered === 10);
      }, 10_000);
    }

    // The console's chart on either instance counts both instances' deliveries.
    const total = async () => {
      const res = await a.admin("GET", "/deliveries");
      return (res.body.data as Row[]).reduce((n, r) => n + r.delivered, 0);
    };
    const charted = async (hub: typeof a) =>
      (await hub.deps.deliveries.perMinute()).reduce((n, m) => n + m.delivered, 0);
    await eventually(async () => {
      const all = await total();
      return all >= 100 && (await charted(a)) === all && (await charted(b)) === all;
    }, 10_000);

    // Rendezvous hashing over 11 recipients: both instances end up owning some.
    const owners = await eventually(async () => {
      const rows = await a.deps.db.db.select().from(deliveryRecipients);
      const distinct = [...new Set(rows.map((r) => r.owner))].sort();
      const owned = rows.length === 11 && rows.every((r) => r.owner !== null);
      return owned && distinct.length === 2 ? distinct : undefined;
    }, 15_000);
    expect(owners).toEqual([a.deps.instanceId, b.deps.instanceId].sort());
  }, 90_000);

  it("refuses a platform suspended through A on B within a second, and B's broadcasts skip it", async () => {
    const [a, b] = await startTwoInstances();
    const { cpo, emsps } = await platformsOn(a, 3);
    await knowsAll(b, 4);
    const [target, ...others] = emsps as [(typeof emsps)[0], ...typeof emsps];
    const onB = () => target.platform.hubCall("GET", `${b.url}/ocpi/2.2.1/hubclientinfo`);

    // Before: B's broadcasts reach it like the others.
    expect((await onB()).status).toBe(200);
    await broadcast(cpo, b.url, "LOC01", 3);
    await eventually(() => emsps.every(({ platform }) => hasAll(putPaths(platform), ["LOC01"])));

    const suspended = await a.admin("POST", `/platforms/${target.id}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe("SUSPENDED");
    await eventually(async () => (await onB()).status === 403, 1_000);

    await broadcast(cpo, b.url, "LOC02", 2);
    await eventually(() => others.every(({ platform }) => hasAll(putPaths(platform), ["LOC02"])));
    await a.settled(20_000);
    await b.settled(20_000);
    expect(target.platform.moduleRequests("locations").map((r) => r.tail)).toEqual([
      `/${OWNER}/LOC01`,
    ]);
  }, 60_000);
});
