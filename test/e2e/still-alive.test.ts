import { afterEach, describe, expect, it } from "vitest";
import { hubInstances } from "../../src/db/schema/index.js";
import { dueInstance } from "../../src/delivery/leases.js";
import type { Clock } from "../../src/deps.js";
import { eventually, type FakePlatform, type FakeRole } from "../support/fake-platform.js";
import { clientInfoPushed } from "../support/parties.js";
import {
  closeInstances,
  deliveryRow,
  platformStatus,
  startHub,
  startTwoInstances,
  type TestHub,
} from "../support/test-hub.js";

/**
 * hubclientinfo: Still alive check. A CONNECTED platform the hub has not
 * heard from for PROBE_INTERVAL_MS gets a GET of its versions endpoint;
 * when that fails it is OFFLINE and the others are told. The hub's clock
 * is moved by the tests, so no test waits out the interval.
 */

const INTERVAL = 60_000;
/** How long a test waits for the hub's next rounds; generous for a loaded machine. */
const WAIT = 30_000;
/** A probe that waits on a loaded machine is not taken for a platform that is gone. */
const ENV = { PROBE_INTERVAL_MS: String(INTERVAL), FORWARD_TIMEOUT_MS: "10000" };
const watcherRole: FakeRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const quietRole: FakeRole = { role: "EMSP", country_code: "DE", party_id: "QUI" };
const chattyRole: FakeRole = { role: "EMSP", country_code: "DE", party_id: "CHA" };

/** How far the hub's clock is ahead of the wall clock. */
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };

let hub: TestHub;
let watcher: FakePlatform;
let watcherId: string;
let quiet: FakePlatform;
let quietId: string;
let chatty: FakePlatform;
let chattyId: string;

afterEach(async () => {
  // Two instances stop delivering together first; closing one of them again does nothing.
  await closeInstances();
  await hub?.close();
  offset = 0;
});

/** Three platforms with a hubclientinfo Receiver, CONNECTED, their ClientInfo delivered. */
async function scene(on: TestHub): Promise<void> {
  hub = on;
  ({ platform: watcher, id: watcherId } = await hub.connect([watcherRole], { name: "Watcher" }));
  ({ platform: quiet, id: quietId } = await hub.connect([quietRole], { name: "Quiet eMSP" }));
  ({ platform: chatty, id: chattyId } = await hub.connect([chattyRole], { name: "Chatty eMSP" }));
  await hub.settled();
  await ticked(hub);
}

/**
 * Waits until each instance has renewed its heartbeat twice more, so that
 * the delivery rounds under way (taking recipients, starting their
 * workers) have ended before the test moves the clock.
 */
async function ticked(...instances: TestHub[]): Promise<void> {
  const beats = async () =>
    new Map(
      (await hub.deps.db.db.select().from(hubInstances)).map((r) => [
        r.id,
        r.heartbeatAt.getTime(),
      ]),
    );
  for (let round = 0; round < 2; round++) {
    const seen = await beats();
    await eventually(async () => {
      const now = await beats();
      return instances.every(
        (h) => (now.get(h.deps.instanceId) ?? 0) > (seen.get(h.deps.instanceId) ?? 0),
      );
    }, WAIT);
  }
}

/** The hub's GETs of a platform's versions endpoint so far. */
const versionsGets = (fake: FakePlatform) =>
  fake.requests.filter((r) => r.method === "GET" && r.path === "/ocpi/versions").length;

/** The platform's own request to the hub, which shows it alive. */
async function talk(fake: FakePlatform): Promise<void> {
  const res = await fake.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`);
  expect(res.body.status_code).toBe(1000);
}

describe("a CONNECTED platform the hub has not heard from", () => {
  it("whose versions endpoint answers HTTP 500 is OFFLINE, the others are told, and the probe brings it back", async () => {
    await scene(await startHub({ clock, env: ENV }));
    quiet.versionsMode = "http-500";
    const before = versionsGets(quiet);
    const watcherInfos = watcher.clientInfos.length;

    offset += INTERVAL + 1_000;
    await eventually(async () => (await platformStatus(hub, quietId)) === "OFFLINE", WAIT);
    expect(versionsGets(quiet)).toBeGreaterThan(before);
    const probe = quiet.requests.filter((r) => r.path === "/ocpi/versions").at(-1);
    expect(probe?.token).toBe(quiet.tokenForHub);
    await clientInfoPushed(watcher, quietRole, "OFFLINE", { after: watcherInfos, ms: WAIT });
    await clientInfoPushed(chatty, quietRole, "OFFLINE", { ms: WAIT });
    await hub.settled();

    const line = hub.logs.find(
      (l) => l.platform_id === quietId && String(l.msg).includes("marked OFFLINE"),
    );
    expect(line?.level).toBe("warn");
    expect(String(line?.msg)).toMatch(
      /^nothing heard for \d+ s and the still-alive check failed \(GET \S+\/ocpi\/versions answered HTTP 500/,
    );
    const row = await deliveryRow(hub, quietId);
    expect(row.status).toBe("OFFLINE");
    expect(row.offline_since).not.toBeNull();
    expect(row.last_error).toContain(quiet.versionsUrl);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toContain('ocpi_hub_platforms{status="OFFLINE"} 1');
    // The others answered their checks: still CONNECTED, and nobody heard otherwise.
    expect(await platformStatus(hub, watcherId)).toBe("CONNECTED");
    expect(await platformStatus(hub, chattyId)).toBe("CONNECTED");
    expect(watcher.clientInfos.filter((i) => i.body.status === "OFFLINE")).toHaveLength(1);

    // Back: the probe of OFFLINE platforms finds it answering again.
    const offlineInfos = watcher.clientInfos.length;
    quiet.versionsMode = "ok";
    offset += INTERVAL + 1_000;
    await eventually(async () => (await platformStatus(hub, quietId)) === "CONNECTED", WAIT);
    await clientInfoPushed(watcher, quietRole, "CONNECTED", { after: offlineInfos, ms: WAIT });
  }, 120_000);

  it("whose server is gone is OFFLINE, the log naming the failure", async () => {
    await scene(await startHub({ clock, env: ENV }));
    await quiet.close();

    offset += INTERVAL + 1_000;
    await eventually(async () => (await platformStatus(hub, quietId)) === "OFFLINE", WAIT);
    await clientInfoPushed(watcher, quietRole, "OFFLINE", { ms: WAIT });
    const line = hub.logs.find(
      (l) => l.platform_id === quietId && String(l.msg).includes("marked OFFLINE"),
    );
    expect(String(line?.msg)).toMatch(
      /still-alive check failed \(cannot reach \S+\/ocpi\/versions/,
    );
    expect(await platformStatus(hub, watcherId)).toBe("CONNECTED");
  }, 120_000);

  it("is not probed while it keeps sending requests; a silent one is, meanwhile", async () => {
    await scene(await startHub({ clock, env: ENV }));
    const chattyBefore = versionsGets(chatty);
    const quietBefore = versionsGets(quiet);
    for (let round = 1; round <= 2; round++) {
      // Never more than two thirds of the interval between two of its requests.
      for (let step = 0; step < 2; step++) {
        offset += (INTERVAL * 2) / 3;
        await talk(chatty);
      }
      // The checks ran in the meantime: the silent platform was probed (and answered).
      await eventually(() => versionsGets(quiet) >= quietBefore + round, WAIT);
    }
    expect(versionsGets(chatty)).toBe(chattyBefore);
    expect(await platformStatus(hub, chattyId)).toBe("CONNECTED");
    expect(await platformStatus(hub, quietId)).toBe("CONNECTED");
  }, 120_000);

  it("is checked by one instance only when two run on one database", async () => {
    // On the wall clock: moved ahead, each instance would take the other for dead.
    const [a, b] = await startTwoInstances({
      env: { PROBE_INTERVAL_MS: "1000", FORWARD_TIMEOUT_MS: "10000" },
    });
    await scene(a);
    quiet.versionsMode = "http-500";
    const watcherInfos = watcher.clientInfos.length;

    await eventually(async () => (await platformStatus(b, quietId)) === "OFFLINE", WAIT);
    await clientInfoPushed(watcher, quietRole, "OFFLINE", { after: watcherInfos, ms: WAIT });
    await a.settled();
    await b.settled();
    // One check failed, on the instance that delivers to the platform; one announcement.
    const checks = (h: TestHub) =>
      h.logs.filter(
        (l) => l.platform_id === quietId && String(l.msg).includes("still-alive check failed"),
      ).length;
    const holder = dueInstance([a.deps.instanceId, b.deps.instanceId], quietId);
    expect(holder).toBeDefined();
    const [mine, other] = holder === a.deps.instanceId ? [a, b] : [b, a];
    expect(checks(mine)).toBe(1);
    expect(checks(other)).toBe(0);
    expect(
      watcher.clientInfos.slice(watcherInfos).filter((i) => i.body.status === "OFFLINE"),
    ).toEqual([expect.objectContaining({ body: expect.objectContaining(quietRole) })]);
  }, 120_000);
});
