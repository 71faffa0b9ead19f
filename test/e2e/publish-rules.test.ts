import { afterEach, describe, expect, it } from "vitest";
import { locationOf } from "../support/cache-fixtures.js";
import {
  eventually,
  type FakePlatform,
  type HubAnswer,
  type ModuleRequest,
} from "../support/fake-platform.js";
import { clientInfoPushed, type Modules, type Party } from "../support/parties.js";
import { platformStatus, startHub, type TestHub } from "../support/test-hub.js";

/**
 * A `publish: false` location reaches only the eMSPs owning a token its
 * publish_allowed_to matches (every field a PublishTokenType sets), and no
 * one else, on every path: broadcast of the location and of its EVSEs, GET
 * All via Hubs, a GET of it through the hub, the operator's resync and a
 * catch-up. Its CPO still reads it.
 */

const HUB = "NL/HUB";
const cpoRole: Party = { role: "CPO", country_code: "NL", party_id: "CPO" };
const aRole: Party = { role: "EMSP", country_code: "DE", party_id: "EMA" };
const bRole: Party = { role: "EMSP", country_code: "BE", party_id: "EMB" };

const EMSP_MODULES: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
  { identifier: "hubclientinfo", role: "RECEIVER" },
];

let hub: TestHub;
let cpo: FakePlatform;
let a: FakePlatform;
let aId: string;
let b: FakePlatform;
let bId: string;
/** While true, eMSP B answers every module request with HTTP 503. */
let bDown = false;

afterEach(async () => {
  bDown = false;
  await hub?.close();
});

const at = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

/**
 * A's RFID card and B's app account: the same uid (of another type), the
 * same printed number (from another issuer), another group.
 */
const A_CARD = {
  country_code: "DE",
  party_id: "EMA",
  uid: "04A2B3C4D5E680",
  type: "RFID",
  contract_id: "DE-EMA-C12345678-9",
  visual_number: "DE-EMA-123456-7",
  issuer: "Elli Charging",
  group_id: "FLEET-0042",
  valid: true,
  whitelist: "ALLOWED",
  language: "de",
  last_updated: "2024-03-11T08:15:42Z",
};
const B_ACCOUNT = {
  country_code: "BE",
  party_id: "EMB",
  uid: "04A2B3C4D5E680",
  type: "APP_USER",
  contract_id: "BE-EMB-C99887766-1",
  visual_number: "DE-EMA-123456-7",
  issuer: "Plugsurfing",
  group_id: "FLEET-0099",
  valid: true,
  whitelist: "NEVER",
  last_updated: "2024-03-11T09:00:00Z",
};

/** A home or depot charger of the CPO, visible only as `allowed` says. */
function privateLocation(id: string, allowed?: object[]): any {
  const l = locationOf("NL/CPO", id, "2024-04-01T10:00:00Z");
  l.publish = false;
  if (allowed !== undefined) l.publish_allowed_to = allowed;
  l.parking_type = "UNDERGROUND_GARAGE";
  return l;
}

/** Who sees what: by uid and type, by visual number and issuer (twice: the issuer decides), by group. */
const BY_UID = privateLocation("HOME-UID", [{ uid: "04a2b3c4d5e680", type: "RFID" }]);
const BY_VISUAL = privateLocation("DEPOT-VIS", [
  { visual_number: "DE-EMA-123456-7", issuer: "Elli Charging" },
]);
const BY_ISSUER = privateLocation("DEPOT-ISS", [
  { visual_number: "DE-EMA-123456-7", issuer: "Plugsurfing" },
]);
const BY_GROUP = privateLocation("OFFICE-GRP", [{ group_id: "fleet-0042" }]);
const NOBODY = privateLocation("PRIVATE-0");
const PUBLIC = locationOf("NL/CPO", "PUBLIC-1", "2024-04-01T10:00:00Z");

async function scene(env: Record<string, string> = {}): Promise<void> {
  hub = await startHub({
    env: { DELIVERY_WINDOW_MS: "2000", PROBE_INTERVAL_MS: "3600000", ...env },
  });
  ({ platform: cpo } = await hub.connect([cpoRole], {
    name: "CPO",
    modules: [{ identifier: "hubclientinfo", role: "RECEIVER" }],
  }));
  ({ platform: a, id: aId } = await hub.connect([aRole], {
    name: "eMSP A",
    modules: EMSP_MODULES,
  }));
  ({ platform: b, id: bId } = await hub.connect([bRole], {
    name: "eMSP B",
    modules: EMSP_MODULES,
  }));
  b.on(() => (bDown ? { status: 503 } : undefined));
  await pushOk(a, "PUT", `tokens/receiver/DE/EMA/${A_CARD.uid}?type=RFID`, A_CARD);
  await pushOk(b, "PUT", `tokens/receiver/BE/EMB/${B_ACCOUNT.uid}?type=APP_USER`, B_ACCOUNT);
  await hub.settled();
}

async function pushOk(from: FakePlatform, method: string, path: string, body: unknown) {
  const res = await from.hubRoute(method, at(path), { to: HUB, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res;
}

/** The CPO's PUT of a location through the hub; returns the hub's "queued for" message. */
async function putLocation(l: any): Promise<string> {
  const res = await pushOk(cpo, "PUT", `locations/receiver/NL/CPO/${l.id}`, l);
  return res.body.status_message;
}

async function putAll(): Promise<void> {
  expect(await putLocation(BY_UID)).toBe("queued for 1 platform");
  expect(await putLocation(BY_VISUAL)).toBe("queued for 1 platform");
  expect(await putLocation(BY_ISSUER)).toBe("queued for 1 platform");
  expect(await putLocation(BY_GROUP)).toBe("queued for 1 platform");
  expect(await putLocation(NOBODY)).toBe("queued for 0 platforms");
  expect(await putLocation(PUBLIC)).toBe("queued for 2 platforms");
  await hub.settled();
}

const locationRequests = (emsp: FakePlatform, after = 0): ModuleRequest[] =>
  emsp.moduleRequests("locations", "RECEIVER").slice(after);

const tails = (requests: ModuleRequest[]) => requests.map((r) => `${r.method} ${r.tail}`).sort();

/** GET All via Hubs of locations by an eMSP, every page. */
async function listAll(emsp: FakePlatform): Promise<{ ids: string[]; total: string | null }> {
  let url: string | undefined = at("locations/sender?limit=2");
  const ids: string[] = [];
  let total: string | null = null;
  while (url !== undefined) {
    const res: HubAnswer = await emsp.hubRoute("GET", url, { to: HUB });
    expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
    total ??= res.headers.get("x-total-count");
    expect(res.headers.get("x-total-count")).toBe(total);
    ids.push(...(res.body.data as any[]).map((l) => l.id));
    url = /^<([^>]+)>;\s*rel="next"$/.exec(res.headers.get("link") ?? "")?.[1];
  }
  return { ids, total };
}

const SEEN_BY_A = [BY_UID, BY_VISUAL, BY_GROUP, PUBLIC].map((l) => l.id);
const SEEN_BY_B = [BY_ISSUER, PUBLIC].map((l) => l.id);

describe("publish: false locations", () => {
  it("are broadcast, EVSE changes included, only to the eMSPs owning a matching token", async () => {
    await scene();
    await putAll();
    expect(tails(locationRequests(a))).toEqual(SEEN_BY_A.map((id) => `PUT /NL/CPO/${id}`).sort());
    expect(tails(locationRequests(b))).toEqual(SEEN_BY_B.map((id) => `PUT /NL/CPO/${id}`).sort());
    expect(locationRequests(a).find((r) => r.tail === "/NL/CPO/HOME-UID")?.body).toEqual(BY_UID);

    // An EVSE or connector change follows the location's cached publish flags.
    const seenA = locationRequests(a).length;
    const seenB = locationRequests(b).length;
    const status = { status: "CHARGING", last_updated: "2024-04-01T11:00:00Z" };
    const evse = BY_UID.evses[0].uid;
    let res = await pushOk(cpo, "PATCH", `locations/receiver/NL/CPO/HOME-UID/${evse}`, status);
    expect(res.body.status_message).toBe("queued for 1 platform");
    res = await pushOk(cpo, "PATCH", `locations/receiver/NL/CPO/DEPOT-ISS/${evse}/1`, {
      max_electric_power: 11000,
      last_updated: "2024-04-01T11:00:00Z",
    });
    expect(res.body.status_message).toBe("queued for 1 platform");
    res = await pushOk(cpo, "PATCH", `locations/receiver/NL/CPO/PRIVATE-0/${evse}`, status);
    expect(res.body.status_message).toBe("queued for 0 platforms");
    await hub.settled();
    expect(tails(locationRequests(a, seenA))).toEqual([`PATCH /NL/CPO/HOME-UID/${evse}`]);
    expect(tails(locationRequests(b, seenB))).toEqual([`PATCH /NL/CPO/DEPOT-ISS/${evse}/1`]);

    // Published later: from then on it goes to everyone.
    const opened = { publish: true, publish_allowed_to: [], last_updated: "2024-04-02T00:00:00Z" };
    res = await pushOk(cpo, "PATCH", "locations/receiver/NL/CPO/HOME-UID", opened);
    expect(res.body.status_message).toBe("queued for 2 platforms");
  });

  it("are listed and read through the hub only by the eMSPs owning a matching token; the CPO reads its own", async () => {
    await scene();
    await putAll();
    expect(await listAll(a)).toEqual({ ids: SEEN_BY_A, total: "4" });
    expect(await listAll(b)).toEqual({ ids: SEEN_BY_B, total: "2" });

    const one = await a.hubRoute("GET", at("locations/sender/HOME-UID"), { to: HUB });
    expect(one.body.status_code, JSON.stringify(one.body)).toBe(1000);
    expect(one.body.data).toEqual(BY_UID);
    const evse = BY_UID.evses[0].uid;
    for (const path of ["HOME-UID", `HOME-UID/${evse}`, "OFFICE-GRP", "PRIVATE-0"]) {
      const hidden = await b.hubRoute("GET", at(`locations/sender/${path}`), { to: HUB });
      expect(hidden.status, path).toBe(404);
      expect(hidden.body.status_code, path).toBe(2003);
      expect(hidden.body.data, path).toBeUndefined();
    }
    // B asking for a location it may see, and for one that does not exist, alike.
    const issuer = await b.hubRoute("GET", at("locations/sender/DEPOT-ISS"), { to: HUB });
    expect(issuer.body.data).toEqual(BY_ISSUER);
    const unknown = await b.hubRoute("GET", at("locations/sender/NO-SUCH"), { to: HUB });
    expect([unknown.status, unknown.body.status_code]).toEqual([404, 2003]);

    const own = await cpo.hubRoute("GET", at("locations/receiver/NL/CPO/PRIVATE-0"), { to: HUB });
    expect(own.body.status_code, JSON.stringify(own.body)).toBe(1000);
    expect(own.body.data).toEqual(NOBODY);
  });

  it("are resent on resync only to the eMSPs owning a matching token", async () => {
    await scene();
    await putAll();
    const seenA = locationRequests(a).length;
    const seenB = locationRequests(b).length;
    const resA = await hub.admin("POST", `/platforms/${aId}/resync`);
    expect(resA.body).toEqual({ platform_id: aId, queued: { locations: 4, tariffs: 0 } });
    const resB = await hub.admin("POST", `/platforms/${bId}/resync`);
    expect(resB.body).toEqual({ platform_id: bId, queued: { locations: 2, tariffs: 0 } });
    await hub.settled();
    expect(tails(locationRequests(a, seenA))).toEqual(
      SEEN_BY_A.map((id) => `PUT /NL/CPO/${id}`).sort(),
    );
    expect(tails(locationRequests(b, seenB))).toEqual(
      SEEN_BY_B.map((id) => `PUT /NL/CPO/${id}`).sort(),
    );
  });

  it("are caught up on an eMSP's return only when one of its tokens matches", async () => {
    await scene();
    await putAll();
    bDown = true;
    const now = () => new Date().toISOString();
    await pushOk(cpo, "PATCH", "locations/receiver/NL/CPO/PUBLIC-1", {
      name: "Garage",
      last_updated: now(),
    });
    await eventually(async () => (await platformStatus(hub, bId)) === "OFFLINE", 15_000);
    await clientInfoPushed(a, bRole, "OFFLINE", { ms: 10_000 });

    // Changed while B is away: two it may not see, one it may.
    for (const l of [BY_UID, NOBODY, BY_ISSUER]) {
      await pushOk(cpo, "PATCH", `locations/receiver/NL/CPO/${l.id}`, {
        name: `${l.id} (renamed)`,
        last_updated: now(),
      });
    }
    await hub.settled();
    const seen = locationRequests(b).length;
    bDown = false;
    expect((await b.hubCall("GET", at("hubclientinfo"))).body.status_code).toBe(1000);
    await eventually(async () => (await platformStatus(hub, bId)) === "CONNECTED", 10_000);
    await eventually(() => locationRequests(b, seen).length >= 2, 10_000);
    await hub.settled();
    const got = locationRequests(b, seen);
    expect(tails(got)).toEqual(["PUT /NL/CPO/DEPOT-ISS", "PUT /NL/CPO/PUBLIC-1"]);
    const renamed = got.find((r) => r.tail === "/NL/CPO/DEPOT-ISS")?.body as any;
    expect(renamed?.name).toBe("DEPOT-ISS (renamed)");
  });
});
