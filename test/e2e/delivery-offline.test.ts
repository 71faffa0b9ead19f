import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { locationOf, tariffOf } from "../support/cache-fixtures.js";
import { DATE_TIME } from "../support/expect.js";
import {
  eventually,
  type FakePlatform,
  type HubAnswer,
  type ModuleRequest,
} from "../support/fake-platform.js";
import { clientInfoPushed, sameParty } from "../support/parties.js";
import {
  deliveryRow,
  platformStatus,
  startHub,
  type TestHub,
  usingNats,
} from "../support/test-hub.js";

/**
 * Broadcast recipients that stop answering: past DELIVERY_WINDOW_MS they go
 * OFFLINE and lose what waited for them; back (by their own request or the
 * hub's probe) they get the current copy of what changed meanwhile. Also
 * the operator's resync and the admin view of every recipient's queue.
 */

const HUB = "NL/HUB";
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const otherCpoRole = { role: "CPO", country_code: "BE", party_id: "CPB" };
const awayRole = { role: "EMSP", country_code: "DE", party_id: "AWY" };
const stayRole = { role: "EMSP", country_code: "DE", party_id: "STY" };

const receivers = (): { identifier: string; role: "RECEIVER" }[] => [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tariffs", role: "RECEIVER" },
  { identifier: "hubclientinfo", role: "RECEIVER" },
];

/** Every field of a row of GET /admin/deliveries. */
const VIEW_FIELDS = [
  "platform_id",
  "name",
  "status",
  "pending",
  "in_flight",
  "retrying",
  "dropped",
  "delivered",
  "last_error",
  "last_error_at",
  "last_success_at",
  "failing_since",
  "offline_since",
];

/** Keeps the probe out of the way: only the platform's own request brings it back. */
const NO_PROBE = "3600000";

let hub: TestHub;
let cpo: FakePlatform;
let cpoId: string;
let away: FakePlatform;
let awayId: string;
let stay: FakePlatform;
let stayId: string;
/** While true, the eMSP that goes away answers every module request with HTTP 503. */
let down = false;

afterEach(async () => {
  down = false;
  await hub?.close();
});

/**
 * A CPO and two eMSPs with locations, tariffs and hubclientinfo Receivers:
 * one that will go away and one that stays. Nothing is pushed yet.
 */
async function scene(env: Record<string, string>): Promise<void> {
  hub = await startHub({ env: { DELIVERY_WINDOW_MS: "2000", ...env } });
  // No locations or tariffs Sender: the hub has nothing to pull, so no sync gets in the way.
  ({ platform: cpo, id: cpoId } = await hub.connect([cpoRole], {
    name: "CPO platform",
    modules: [{ identifier: "hubclientinfo", role: "RECEIVER" }],
  }));
  ({ platform: away, id: awayId } = await hub.connect([awayRole], {
    name: "eMSP going away",
    modules: receivers(),
  }));
  ({ platform: stay, id: stayId } = await hub.connect([stayRole], {
    name: "eMSP staying",
    modules: receivers(),
  }));
  // ClientInfo PUTs have their own route in the fake: they keep succeeding while it is down.
  away.on(() => (down ? { status: 503 } : undefined));
  await hub.settled();
}

const now = () => new Date().toISOString();

/** A broadcast push from the CPO (OCPI-to = the hub); the hub must accept it. */
async function push(method: string, path: string, body?: unknown): Promise<HubAnswer> {
  const res = await cpo.hubRoute(method, `${hub.url}/ocpi/2.2.1/${path}`, { to: HUB, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res;
}

/** The hub's copy of a cached object, read by the eMSP that stays. */
async function hubCopy(path: string): Promise<any> {
  const res = await stay.hubRoute("GET", `${hub.url}/ocpi/2.2.1/${path}`, { to: HUB });
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res.body.data;
}

/** Locations and tariffs requests the eMSP got after the first `after` module requests. */
const cachedRequests = (emsp: FakePlatform, after: number): ModuleRequest[] =>
  emsp
    .moduleRequests()
    .slice(after)
    .filter((r) => r.module === "locations" || r.module === "tariffs");

const summary = (requests: ModuleRequest[]) =>
  requests.map((r) => `${r.method} ${r.module} ${r.tail}`).sort();

/** The routing headers of a hop from the hub to `to`. */
const routingOf = (r: ModuleRequest) => [
  r.headers["ocpi-to-country-code"],
  r.headers["ocpi-to-party-id"],
  r.headers["ocpi-from-country-code"],
  r.headers["ocpi-from-party-id"],
];

/**
 * LOC1 and T1 (changed later) and LOC2 and T2 (never changed again), all
 * with the spec's 2015 timestamps, reach both eMSPs while they are up.
 */
async function pushOldObjects(): Promise<void> {
  await push("PUT", "locations/receiver/NL/CPO/LOC1", locationOf("NL/CPO", "LOC1"));
  await push("PUT", "locations/receiver/NL/CPO/LOC2", locationOf("NL/CPO", "LOC2"));
  await push("PUT", "tariffs/receiver/NL/CPO/T1", tariffOf("NL/CPO", "T1"));
  await push("PUT", "tariffs/receiver/NL/CPO/T2", tariffOf("NL/CPO", "T2"));
  await hub.settled();
  expect(summary(cachedRequests(away, 0))).toEqual([
    "PUT locations /NL/CPO/LOC1",
    "PUT locations /NL/CPO/LOC2",
    "PUT tariffs /NL/CPO/T1",
    "PUT tariffs /NL/CPO/T2",
  ]);
}

/**
 * The eMSP stops answering while an EVSE of LOC1 changes; retried for the
 * window, it is marked OFFLINE. Returns the number of ClientInfo PUTs the
 * eMSP that stays had got by then.
 */
async function goAway(): Promise<number> {
  down = true;
  const answer = await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
    status: "CHARGING",
    last_updated: now(),
  });
  expect(answer.body.status_message).toBe("queued for 2 platforms");
  await eventually(async () => (await platformStatus(hub, awayId)) === "OFFLINE", 15_000);
  await clientInfoPushed(stay, awayRole, "OFFLINE", { ms: 10_000 });
  return stay.clientInfos.length;
}

/** Changes while the eMSP is away: LOC1's EVSE again, a new LOC3, a new price for T1. */
async function changeWhileAway(): Promise<void> {
  const patched = await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
    status: "BLOCKED",
    last_updated: now(),
  });
  expect(patched.body.status_message).toBe("queued for 1 platform");
  await push("PUT", "locations/receiver/NL/CPO/LOC3", locationOf("NL/CPO", "LOC3", now()));
  const repriced = tariffOf("NL/CPO", "T1", now());
  repriced.elements[0].price_components[0].price = 2.5;
  await push("PUT", "tariffs/receiver/NL/CPO/T1", repriced);
  await hub.settled();
}

/**
 * Back, the eMSP gets the current copy of LOC1 (with the newest EVSE
 * status), LOC3 and T1 as PUTs, once each, and nothing about LOC2 and T2.
 */
async function expectCaughtUp(after: number): Promise<void> {
  await eventually(() => cachedRequests(away, after).length >= 3, 10_000);
  await hub.settled();
  const got = cachedRequests(away, after);
  expect(summary(got)).toEqual([
    "PUT locations /NL/CPO/LOC1",
    "PUT locations /NL/CPO/LOC3",
    "PUT tariffs /NL/CPO/T1",
  ]);
  const byTail = new Map(got.map((r) => [r.tail, r]));
  const loc1 = byTail.get("/NL/CPO/LOC1") as ModuleRequest;
  expect(loc1.body).toEqual(await hubCopy("locations/sender/LOC1"));
  expect((loc1.body as any).evses.map((e: any) => [e.uid, e.status])).toEqual([
    ["3256", "BLOCKED"],
    ["3257", "RESERVED"],
  ]);
  expect(byTail.get("/NL/CPO/LOC3")?.body).toEqual(await hubCopy("locations/sender/LOC3"));
  const t1 = byTail.get("/NL/CPO/T1") as ModuleRequest;
  expect(t1.body).toEqual(await hubCopy("tariffs/sender/T1"));
  expect((t1.body as any).elements[0].price_components[0].price).toBe(2.5);
  for (const r of got) {
    expect(routingOf(r)).toEqual(["DE", "AWY", "NL", "HUB"]);
    expect(r.token).toBe(away.tokenForHub);
  }
}

describe("a recipient that fails past DELIVERY_WINDOW_MS", () => {
  it("goes OFFLINE: the others are told, its deliveries are dropped, broadcasts leave it out and direct requests get 4003", async () => {
    await scene({ PROBE_INTERVAL_MS: NO_PROBE });
    await push("PUT", "locations/receiver/NL/CPO/LOC1", locationOf("NL/CPO", "LOC1"));
    await hub.settled();
    const cpoInfos = cpo.clientInfos.length;
    const stayInfos = stay.clientInfos.length;

    down = true;
    const first = await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
      status: "CHARGING",
      last_updated: now(),
    });
    expect(first.body.status_message).toBe("queued for 2 platforms");
    await push("PUT", "tariffs/receiver/NL/CPO/T1", tariffOf("NL/CPO", "T1", now()));

    // Within the window it is retried and still CONNECTED.
    const failing = await eventually(async () => {
      const row = await deliveryRow(hub, awayId);
      return row.retrying > 0 && row.failing_since !== null && row;
    }, 10_000);
    expect(failing.status).toBe("CONNECTED");
    expect(failing.failing_since).toMatch(DATE_TIME);
    expect(failing.last_error).toMatch(/HTTP 503/);

    await eventually(async () => (await platformStatus(hub, awayId)) === "OFFLINE", 15_000);
    await hub.settled();
    const row = await eventually(async () => {
      const r = await deliveryRow(hub, awayId);
      return r.pending === 0 && r.in_flight === 0 && r;
    });
    expect(row.status).toBe("OFFLINE");
    // The EVSE update and the tariff were both dropped, never delivered.
    expect(row.dropped).toBeGreaterThanOrEqual(2);
    expect(row.last_error).toMatch(/HTTP 503/);
    expect(row.last_error_at).toMatch(DATE_TIME);
    expect(row.offline_since).toMatch(DATE_TIME);
    expect(Date.parse(row.offline_since)).toBeGreaterThanOrEqual(Date.parse(failing.failing_since));

    // The other platforms with a hubclientinfo Receiver hear it is OFFLINE; it is not told itself.
    for (const [other, seen] of [
      [cpo, cpoInfos],
      [stay, stayInfos],
    ] as const) {
      const info = await clientInfoPushed(other, awayRole, "OFFLINE", { after: seen, ms: 10_000 });
      expect(info.path).toBe("/ocpi/2.2.1/clientinfo/DE/AWY");
      expect(info.body).toEqual({
        ...awayRole,
        status: "OFFLINE",
        last_updated: expect.stringMatching(DATE_TIME),
      });
    }
    expect(away.clientInfos.filter((i) => sameParty(i.body, awayRole))).toEqual([]);

    // While OFFLINE a broadcast leaves it out, and nothing reaches it.
    const seen = away.moduleRequests().length;
    const stayed = stay.moduleRequests().length;
    const later = await push(
      "PUT",
      "locations/receiver/NL/CPO/LOC2",
      locationOf("NL/CPO", "LOC2", now()),
    );
    expect(later.body.status_message).toBe("queued for 1 platform");
    await eventually(() => stay.moduleRequests().length > stayed);
    await hub.settled();
    expect(summary(cachedRequests(stay, stayed))).toEqual(["PUT locations /NL/CPO/LOC2"]);

    // Direct routing to it is refused at once.
    const direct = await cpo.hubRoute(
      "PUT",
      `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC4`,
      {
        to: "DE/AWY",
        body: locationOf("NL/CPO", "LOC4", now()),
      },
    );
    expect(direct.body.status_code, JSON.stringify(direct.body)).toBe(4003);
    await hub.settled();
    expect(away.moduleRequests().slice(seen)).toEqual([]);
    expect(await platformStatus(hub, awayId)).toBe("OFFLINE");
  }, 60_000);
  it("drops a delivery still in flight when it goes OFFLINE: afterwards nothing shows as retrying or failing", async () => {
    await scene({ PROBE_INTERVAL_MS: NO_PROBE });
    await push("PUT", "locations/receiver/NL/CPO/LOC1", locationOf("NL/CPO", "LOC1"));
    await hub.settled();
    // Tariffs fail slowly, more slowly than the window: the tariff's first attempt is still in
    // flight when the location's retries, failing at once, end the window.
    let slowAnswers = 0;
    away.on(async (r) => {
      if (!down || r.module !== "tariffs") return undefined;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      slowAnswers++;
      return { status: 503 };
    });

    down = true;
    await push("PUT", "tariffs/receiver/NL/CPO/T1", tariffOf("NL/CPO", "T1", now()));
    await eventually(() => away.moduleRequests("tariffs").length > 0, 10_000);
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
      status: "CHARGING",
      last_updated: now(),
    });
    await eventually(async () => (await platformStatus(hub, awayId)) === "OFFLINE", 15_000);
    const attempts = away.moduleRequests("tariffs").length;
    expect(slowAnswers, "tariff attempts answered when it went OFFLINE").toBeLessThan(attempts);

    await eventually(() => slowAnswers >= attempts, 10_000);
    // Time for the hub to take in that last answer; there is nothing to poll for.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await hub.settled();
    const row = await deliveryRow(hub, awayId);
    expect(row.status).toBe("OFFLINE");
    expect(row.dropped).toBeGreaterThanOrEqual(2);
    expect({ retrying: row.retrying, failing_since: row.failing_since }).toEqual({
      retrying: 0,
      failing_since: null,
    });
    expect(away.moduleRequests("tariffs")).toHaveLength(attempts);
  }, 60_000);
});

describe("a recipient back from OFFLINE", () => {
  it("by its own request: CONNECTED again, the others are told, and it gets the current copy of what changed meanwhile", async () => {
    await scene({ PROBE_INTERVAL_MS: NO_PROBE });
    await pushOldObjects();
    const stayInfos = await goAway();
    await changeWhileAway();
    const seen = away.moduleRequests().length;
    expect(await platformStatus(hub, awayId)).toBe("OFFLINE");

    down = false;
    const own = await away.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`);
    expect(own.status).toBe(200);
    expect(own.body.status_code).toBe(1000);

    await eventually(async () => (await platformStatus(hub, awayId)) === "CONNECTED", 10_000);
    await clientInfoPushed(stay, awayRole, "CONNECTED", { after: stayInfos, ms: 10_000 });
    await clientInfoPushed(cpo, awayRole, "CONNECTED", { ms: 10_000 });
    await expectCaughtUp(seen);
    const row = await deliveryRow(hub, awayId);
    expect(row.status).toBe("CONNECTED");
    expect(row.offline_since).toBeNull();
    expect(row.failing_since).toBeNull();
    expect(
      stay.clientInfos.filter((i) => sameParty(i.body, awayRole)).map((i) => i.body.status),
    ).toEqual(["CONNECTED", "OFFLINE", "CONNECTED"]);
  }, 60_000);

  it("by the hub's probe of its versions endpoint: the same, without any request of its own", async () => {
    await scene({ PROBE_INTERVAL_MS: "500" });
    await pushOldObjects();
    const probes = () =>
      away.requests.filter((r) => r.method === "GET" && r.path === "/ocpi/versions").length;
    // Down altogether: the probe fails too, so it stays OFFLINE until it is back.
    away.versionsMode = "http-500";
    const stayInfos = await goAway();
    const before = probes();
    await changeWhileAway();
    await eventually(() => probes() > before, 10_000);
    expect(await platformStatus(hub, awayId)).toBe("OFFLINE");
    const seen = away.moduleRequests().length;

    down = false;
    away.versionsMode = "ok";
    await eventually(async () => (await platformStatus(hub, awayId)) === "CONNECTED", 10_000);
    await clientInfoPushed(stay, awayRole, "CONNECTED", { after: stayInfos, ms: 10_000 });
    await expectCaughtUp(seen);
    // The probe carried the hub's token for it.
    const probe = away.requests.filter((r) => r.path === "/ocpi/versions").at(-1);
    expect(probe?.token).toBe(away.tokenForHub);
  }, 60_000);

  it("with DELIVERY_CATCH_UP=false: CONNECTED again, but nothing is resent", async () => {
    await scene({ PROBE_INTERVAL_MS: NO_PROBE, DELIVERY_CATCH_UP: "false" });
    await pushOldObjects();
    const stayInfos = await goAway();
    await changeWhileAway();
    const seen = away.moduleRequests().length;

    down = false;
    const own = await away.hubCall("GET", `${hub.url}/ocpi/2.2.1/hubclientinfo`);
    expect(own.body.status_code).toBe(1000);
    await eventually(async () => (await platformStatus(hub, awayId)) === "CONNECTED", 10_000);
    await clientInfoPushed(stay, awayRole, "CONNECTED", { after: stayInfos, ms: 10_000 });
    await hub.settled();
    expect(cachedRequests(away, seen)).toEqual([]);

    // It is a recipient again: the next broadcast reaches it.
    const next = await push("PATCH", "locations/receiver/NL/CPO/LOC2/3257", {
      status: "OUTOFORDER",
      last_updated: now(),
    });
    expect(next.body.status_message).toBe("queued for 2 platforms");
    await eventually(() => cachedRequests(away, seen).length > 0);
    await hub.settled();
    expect(summary(cachedRequests(away, seen))).toEqual(["PATCH locations /NL/CPO/LOC2/3257"]);
  }, 60_000);
});

describe("POST /admin/platforms/:id/resync", () => {
  it("queues the current copy of every visible, published location and tariff of other CPOs for the platform", async () => {
    hub = await startHub();
    ({ platform: cpo } = await hub.connect([cpoRole], { name: "CPO", modules: [] }));
    const { platform: otherCpo } = await hub.connect([otherCpoRole], {
      name: "other CPO",
      modules: [],
    });
    const suspendedCpoRole = { role: "CPO", country_code: "FR", party_id: "SUS" };
    const { platform: suspendedCpo, id: suspendedCpoId } = await hub.connect([suspendedCpoRole], {
      name: "suspended CPO",
      modules: [],
    });
    const { platform: emsp, id: emspId } = await hub.connect([stayRole], {
      name: "eMSP",
      modules: receivers(),
    });
    const { id: suspendedEmspId } = await hub.connect(
      [{ role: "EMSP", country_code: "IT", party_id: "SUS" }],
      { name: "suspended eMSP", modules: receivers() },
    );
    const pending = await hub.invite(
      [{ role: "EMSP", country_code: "ES", party_id: "PEN" }],
      "pending eMSP",
    );

    const loc1 = locationOf("NL/CPO", "LOC1");
    await push("PUT", "locations/receiver/NL/CPO/LOC1", loc1);
    await push("PUT", "locations/receiver/NL/CPO/LOC2", locationOf("NL/CPO", "LOC2"));
    await push("PUT", "locations/receiver/NL/CPO/HIDDEN", {
      ...locationOf("NL/CPO", "HIDDEN"),
      publish: false,
    });
    await push("PUT", "tariffs/receiver/NL/CPO/T1", tariffOf("NL/CPO", "T1"));
    const evse = { status: "CHARGING", last_updated: "2016-01-01T00:00:00Z" };
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", evse);
    for (const [from, party] of [
      [otherCpo, "BE/CPB"],
      [suspendedCpo, "FR/SUS"],
    ] as const) {
      const [cc, pid] = party.split("/");
      for (const [path, body] of [
        [`locations/receiver/${cc}/${pid}/L${pid}`, locationOf(party, `L${pid}`)],
        [`tariffs/receiver/${cc}/${pid}/T${pid}`, tariffOf(party, `T${pid}`)],
      ] as const) {
        const res = await from.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/${path}`, { to: HUB, body });
        expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
      }
    }
    expect((await hub.admin("POST", `/platforms/${suspendedCpoId}/suspend`)).status).toBe(200);
    expect((await hub.admin("POST", `/platforms/${suspendedEmspId}/suspend`)).status).toBe(200);
    await hub.settled();
    const seen = emsp.moduleRequests().length;

    const res = await hub.admin("POST", `/platforms/${emspId}/resync`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ platform_id: emspId, queued: { locations: 3, tariffs: 2 } });

    await eventually(() => cachedRequests(emsp, seen).length >= 5, 10_000);
    await hub.settled();
    const got = cachedRequests(emsp, seen);
    expect(summary(got)).toEqual([
      "PUT locations /BE/CPB/LCPB",
      "PUT locations /NL/CPO/LOC1",
      "PUT locations /NL/CPO/LOC2",
      "PUT tariffs /BE/CPB/TCPB",
      "PUT tariffs /NL/CPO/T1",
    ]);
    const byTail = new Map(got.map((r) => [r.tail, r.body]));
    expect(byTail.get("/NL/CPO/LOC1")).toEqual({
      ...loc1,
      evses: [{ ...loc1.evses[0], ...evse }, loc1.evses[1]],
      last_updated: evse.last_updated,
    });
    expect(byTail.get("/NL/CPO/LOC2")).toEqual(locationOf("NL/CPO", "LOC2"));
    expect(byTail.get("/BE/CPB/LCPB")).toEqual(locationOf("BE/CPB", "LCPB"));
    expect(byTail.get("/NL/CPO/T1")).toEqual(tariffOf("NL/CPO", "T1"));
    expect(byTail.get("/BE/CPB/TCPB")).toEqual(tariffOf("BE/CPB", "TCPB"));
    for (const r of got) {
      expect(routingOf(r)).toEqual(["DE", "STY", "NL", "HUB"]);
      expect(r.token).toBe(emsp.tokenForHub);
    }

    const unknown = await hub.admin("POST", `/platforms/${randomUUID()}/resync`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
    for (const [id, status] of [
      [suspendedEmspId, "SUSPENDED"],
      [pending.id, "PENDING"],
    ]) {
      const refused = await hub.admin("POST", `/platforms/${id}/resync`);
      expect(refused.status, status).toBe(409);
      expect(refused.body.error.code, status).toBe("CONFLICT");
      expect(refused.body.error.message, status).toContain(status);
    }
  }, 60_000);
});

describe("GET /admin/deliveries", () => {
  it("shows one row per platform with every field, counts deliveries, and needs the admin token", async () => {
    await scene({ PROBE_INTERVAL_MS: NO_PROBE });
    const pending = await hub.invite(
      [{ role: "EMSP", country_code: "ES", party_id: "PEN" }],
      "pending eMSP",
    );
    await hub.settled();

    const res = await hub.admin("GET", "/deliveries");
    expect(res.status).toBe(200);
    expect(res.body.durable).toBe(usingNats);
    const platforms = (await hub.admin("GET", "/platforms")).body.data as any[];
    expect(platforms).toHaveLength(4);
    expect(res.body.data.map((r: any) => r.platform_id).sort()).toEqual(
      platforms.map((p) => p.id).sort(),
    );
    for (const row of res.body.data) {
      expect(Object.keys(row).sort()).toEqual([...VIEW_FIELDS].sort());
      const platform = platforms.find((p) => p.id === row.platform_id);
      expect([row.name, row.status]).toEqual([platform.name, platform.status]);
      expect(row).toMatchObject({
        pending: 0,
        in_flight: 0,
        retrying: 0,
        dropped: 0,
        last_error: null,
        last_error_at: null,
        failing_since: null,
        offline_since: null,
      });
    }
    const pendingRow = res.body.data.find((r: any) => r.platform_id === pending.id);
    expect(pendingRow).toMatchObject({ status: "PENDING", delivered: 0, last_success_at: null });

    // Every request a platform answered with 1000 is one delivery: ClientInfo PUTs, then pushes.
    const fakes: [FakePlatform, string][] = [
      [cpo, cpoId],
      [away, awayId],
      [stay, stayId],
    ];
    const counted = (): Promise<any[]> =>
      eventually(async () => {
        const rows = await Promise.all(fakes.map(([, id]) => deliveryRow(hub, id)));
        const matches = fakes.every(
          ([fake], i) =>
            rows[i].delivered === fake.clientInfos.length + fake.moduleRequests().length,
        );
        return matches ? rows : undefined;
      });
    const before = await counted();
    for (const row of before) {
      expect(row.delivered).toBeGreaterThan(0);
      expect(row.last_success_at).toMatch(DATE_TIME);
    }

    await push("PUT", "locations/receiver/NL/CPO/LOC1", locationOf("NL/CPO", "LOC1"));
    await push("PUT", "tariffs/receiver/NL/CPO/T1", tariffOf("NL/CPO", "T1"));
    await hub.settled();
    for (const emsp of [away, stay]) {
      expect(summary(cachedRequests(emsp, 0))).toEqual([
        "PUT locations /NL/CPO/LOC1",
        "PUT tariffs /NL/CPO/T1",
      ]);
    }
    const after = await counted();
    // Two more for each eMSP; none for the CPO, which is no recipient of its own push.
    expect(after.map((r, i) => r.delivered - before[i].delivered)).toEqual([0, 2, 2]);
    for (const [i, row] of after.entries()) {
      expect(row).toMatchObject({ pending: 0, in_flight: 0, retrying: 0, dropped: 0 });
      expect(Date.parse(row.last_success_at)).toBeGreaterThanOrEqual(
        Date.parse(before[i].last_success_at),
      );
    }

    const wrong = await hub.admin("GET", "/deliveries", undefined, "not-the-admin-token");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("UNAUTHORIZED");
    const bare = await fetch(`${hub.url}/admin/deliveries`);
    expect(bare.status).toBe(401);
    const text = await bare.text();
    expect(text).not.toContain(awayId);
  }, 60_000);
});
