import { afterEach, describe, expect, it } from "vitest";
import { ids, locationOf, tariffOf } from "../support/cache-fixtures.js";
import { eventually, type FakePlatform } from "../support/fake-platform.js";
import type { Modules, Party } from "../support/parties.js";
import {
  closeInstances,
  deliveryRow,
  startHub,
  startTwoInstances,
  type TestHub,
} from "../support/test-hub.js";

/**
 * ROAMING_POLICY=agreements: data flows between a CPO and an eMSP only
 * under an agreement in force for the module, on every path.
 */

const HUB = "NL/HUB";
const CPA: Party = { role: "CPO", country_code: "NL", party_id: "CPA" };
const CPB: Party = { role: "CPO", country_code: "NL", party_id: "CPB" };
const MSA: Party = { role: "EMSP", country_code: "DE", party_id: "MSA" };
const MSB: Party = { role: "EMSP", country_code: "DE", party_id: "MSB" };
const MSC: Party = { role: "EMSP", country_code: "FR", party_id: "MSC" };

const CPO_MODULES: Modules = [
  { identifier: "hubclientinfo", role: "RECEIVER" },
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "cdrs", role: "SENDER" },
];
const EMSP_MODULES: Modules = [
  { identifier: "hubclientinfo", role: "RECEIVER" },
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tariffs", role: "RECEIVER" },
  { identifier: "sessions", role: "RECEIVER" },
  { identifier: "cdrs", role: "RECEIVER" },
];

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
  await closeInstances();
});

const at = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;
const codes = (p: Party) => `${p.country_code}/${p.party_id}`;
const pairOf = (cpo: Party, emsp: Party) => ({
  cpo: { country_code: cpo.country_code, party_id: cpo.party_id },
  emsp: { country_code: emsp.country_code, party_id: emsp.party_id },
});

interface Market {
  cpa: FakePlatform;
  cpb: FakePlatform;
  msa: FakePlatform;
  msb: FakePlatform;
  msc: FakePlatform;
}

/** 2 CPOs and 3 eMSPs; CPA–MSA for everything, CPA–MSB for locations, CPB–MSC for everything. */
async function market(): Promise<
  Market & { agreements: Record<string, string>; platformIds: Record<string, string> }
> {
  hub = await startHub({ env: { ROAMING_POLICY: "agreements" } });
  const platformIds: Record<string, string> = {};
  const connect = async (party: Party, modules: Modules) => {
    const connected = await hub.connect([party], { modules, name: codes(party) });
    platformIds[codes(party)] = connected.id;
    return connected.platform;
  };
  const m: Market = {
    cpa: await connect(CPA, CPO_MODULES),
    cpb: await connect(CPB, CPO_MODULES),
    msa: await connect(MSA, EMSP_MODULES),
    msb: await connect(MSB, EMSP_MODULES),
    msc: await connect(MSC, EMSP_MODULES),
  };
  const agreements: Record<string, string> = {};
  for (const [name, body] of Object.entries({
    "CPA-MSA": pairOf(CPA, MSA),
    "CPA-MSB": { ...pairOf(CPA, MSB), modules: ["locations"] },
    "CPB-MSC": pairOf(CPB, MSC),
  })) {
    const res = await hub.admin("POST", "/agreements", body);
    expect(res.status).toBe(201);
    agreements[name] = res.body.id;
  }
  await hub.settled();
  for (const p of Object.values(m)) p.requests.length = 0;
  return { ...m, agreements, platformIds };
}

async function pushLocation(from: FakePlatform, owner: Party, id: string, lastUpdated: string) {
  const location = locationOf(codes(owner), id, lastUpdated);
  const res = await from.hubRoute("PUT", at(`locations/receiver/${codes(owner)}/${id}`), {
    to: HUB,
    body: location,
  });
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res;
}

const received = (p: FakePlatform, module: string) =>
  p.moduleRequests(module, "RECEIVER").map((r) => `${r.method} ${r.tail}`);

async function listVia(p: FakePlatform, module: string, query = "") {
  const res = await p.hubRoute("GET", at(`${module}/sender${query}`), { to: HUB });
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return { items: res.body.data as any[], total: res.headers.get("x-total-count") };
}

describe("ROAMING_POLICY=agreements", () => {
  it("broadcasts a push only to the eMSPs with an agreement for its module", async () => {
    const m = await market();
    const answer = await pushLocation(m.cpa, CPA, "LOC1", "2026-01-01T10:00:00Z");
    expect(answer.body.status_message).toBe("queued for 2 platforms");
    const tariff = tariffOf(codes(CPA), "T1", "2026-01-01T10:00:00Z");
    const t = await m.cpa.hubRoute("PUT", at("tariffs/receiver/NL/CPA/T1"), {
      to: HUB,
      body: tariff,
    });
    expect(t.body.status_message).toBe("queued for 1 platform");
    await pushLocation(m.cpb, CPB, "LOC9", "2026-01-01T10:00:00Z");
    await hub.settled();
    expect(received(m.msa, "locations")).toEqual(["PUT /NL/CPA/LOC1"]);
    expect(received(m.msa, "tariffs")).toEqual(["PUT /NL/CPA/T1"]);
    expect(received(m.msb, "locations")).toEqual(["PUT /NL/CPA/LOC1"]);
    expect(received(m.msb, "tariffs")).toEqual([]);
    expect(received(m.msc, "locations")).toEqual(["PUT /NL/CPB/LOC9"]);
    expect(received(m.msc, "tariffs")).toEqual([]);
  });

  it("lists and shows from the cache only the objects of an eMSP's partners, totals included; others answer as unknown", async () => {
    const m = await market();
    await pushLocation(m.cpa, CPA, "LOC1", "2026-01-01T10:00:00Z");
    await pushLocation(m.cpa, CPA, "LOC2", "2026-01-01T11:00:00Z");
    await pushLocation(m.cpb, CPB, "LOC9", "2026-01-01T10:00:00Z");
    await m.cpa.hubRoute("PUT", at("tariffs/receiver/NL/CPA/T1"), {
      to: HUB,
      body: tariffOf(codes(CPA), "T1", "2026-01-01T10:00:00Z"),
    });
    await hub.settled();

    const a = await listVia(m.msa, "locations");
    expect(ids(a.items)).toEqual(["NL/CPA/LOC1", "NL/CPA/LOC2"]);
    expect(a.total).toBe("2");
    const b = await listVia(m.msb, "locations", "?limit=1");
    expect(ids(b.items)).toEqual(["NL/CPA/LOC1"]);
    expect(b.total).toBe("2");
    const c = await listVia(m.msc, "locations");
    expect(ids(c.items)).toEqual(["NL/CPB/LOC9"]);
    expect(c.total).toBe("1");
    expect((await listVia(m.msb, "tariffs")).items).toEqual([]);
    expect((await listVia(m.msb, "tariffs")).total).toBe("0");
    expect(ids((await listVia(m.msa, "tariffs")).items)).toEqual(["NL/CPA/T1"]);

    // A CPA location asked by MSC answers exactly like a location nobody has.
    const hidden = await m.msc.hubRoute("GET", at("locations/sender/LOC1"), { to: HUB });
    const unknown = await m.msc.hubRoute("GET", at("locations/sender/LOC1"), { to: HUB });
    const none = await m.msc.hubRoute("GET", at("locations/sender/NOPE"), { to: HUB });
    expect(hidden.body.status_code).toBe(2003);
    expect(none.body.status_code).toBe(2003);
    expect(hidden.body.status_message.replace("LOC1", "X")).toBe(
      none.body.status_message.replace("NOPE", "X"),
    );
    expect(unknown.body.status_code).toBe(2003);
    const shown = await m.msa.hubRoute("GET", at("locations/sender/LOC1"), { to: HUB });
    expect(shown.body.data.id).toBe("LOC1");
  });

  it("refuses direct routing without an agreement for the module with 2000 naming both parties and the module, forwarding nothing", async () => {
    const m = await market();
    const session = {
      country_code: "NL",
      party_id: "CPA",
      id: "S1",
      start_date_time: "2026-01-01T10:00:00Z",
      kwh: 0,
      cdr_token: {
        country_code: "DE",
        party_id: "MSB",
        uid: "T1",
        type: "RFID",
        contract_id: "C1",
      },
      auth_method: "WHITELIST",
      location_id: "LOC1",
      evse_uid: "E1",
      connector_id: "1",
      currency: "EUR",
      status: "ACTIVE",
      last_updated: "2026-01-01T10:00:00Z",
    };
    const refused = await m.cpa.hubRoute("PUT", at("sessions/receiver/NL/CPA/S1"), {
      to: "DE/MSB",
      body: { ...session },
    });
    expect(refused.status).toBe(200);
    expect(refused.body.status_code).toBe(2000);
    expect(refused.body.status_message).toBe(
      "no roaming agreement between NL/CPA and DE/MSB for sessions",
    );
    const allowed = await m.cpa.hubRoute("PUT", at("sessions/receiver/NL/CPA/S1"), {
      to: "DE/MSA",
      body: {
        ...session,
        cdr_token: { ...session.cdr_token, party_id: "MSA" },
      },
    });
    expect(allowed.body.status_code).toBe(1000);
    // Open routing by the CDR token's eMSP: refused the same way.
    const open = await m.cpa.hubRoute("PUT", at("sessions/receiver/NL/CPA/S2"), {
      body: { ...session, id: "S2" },
    });
    expect(open.body.status_code).toBe(2000);
    await hub.settled();
    expect(received(m.msb, "sessions")).toEqual([]);
    expect(received(m.msa, "sessions")).toEqual(["PUT /NL/CPA/S1"]);
  });

  it("drops a delivery queued before its agreement was suspended instead of sending it, and counts it", async () => {
    const m = await market();
    let failing = true;
    m.msb.on((req) =>
      req.module === "locations" && failing ? { status: 500, body: "unavailable" } : undefined,
    );
    await pushLocation(m.cpa, CPA, "LOC1", "2026-01-01T10:00:00Z");
    await eventually(() => received(m.msb, "locations").length > 0, 10_000);
    // The first attempt failed; the retry waits while the agreement is suspended.
    const suspended = await hub.admin("POST", `/agreements/${m.agreements["CPA-MSB"]}/suspend`);
    expect(suspended.body.status).toBe("SUSPENDED");
    failing = false;
    const msb = m.platformIds["DE/MSB"] as string;
    await eventually(async () => (await deliveryRow(hub, msb))?.dropped === 1, 10_000);
    await hub.settled();
    expect(received(m.msb, "locations")).toEqual(["PUT /NL/CPA/LOC1"]);
    expect(m.msb.moduleRequests("locations")[0]).toBeDefined();
    expect((await deliveryRow(hub, msb)).pending).toBe(0);
  });

  it("shows each eMSP the ClientInfo of its partners only", async () => {
    const m = await market();
    const list = async (p: FakePlatform) => {
      const res = await p.hubCall("GET", at("hubclientinfo"));
      expect(res.body.status_code).toBe(1000);
      return (res.body.data as any[]).map((i) => `${i.country_code}/${i.party_id}`).sort();
    };
    expect(await list(m.msc)).toEqual(["FR/MSC", "NL/CPB"]);
    expect(await list(m.msb)).toEqual(["DE/MSB", "NL/CPA"]);
    expect(await list(m.cpa)).toEqual(["DE/MSA", "DE/MSB", "NL/CPA"]);
  });

  it("follows agreement changes while traffic flows: a new one sends the current copies, a suspended one stops deliveries, a resumed one catches up, an ended one stops for good", async () => {
    const m = await market();
    await pushLocation(m.cpb, CPB, "LOC9", "2026-01-01T10:00:00Z");
    await hub.settled();
    expect(received(m.msa, "locations")).toEqual([]);

    // CPB–MSA for locations: MSA gets CPB's current location and CPB's ClientInfo.
    const created = await hub.admin("POST", "/agreements", {
      ...pairOf(CPB, MSA),
      modules: ["locations"],
    });
    expect(created.status).toBe(201);
    await eventually(() => received(m.msa, "locations").length > 0, 10_000);
    await hub.settled();
    expect(received(m.msa, "locations")).toEqual(["PUT /NL/CPB/LOC9"]);
    const infos = m.msa.requests.filter((r) => r.path.includes("/clientinfo/"));
    expect(infos.map((r) => r.path)).toContain("/ocpi/2.2.1/clientinfo/NL/CPB");

    // Suspended: CPA's pushes no longer reach MSA, MSB still gets them.
    const id = (await hub.admin("GET", "/agreements?party=DE/MSA&status=ACTIVE")).body.data.find(
      (a: any) => a.cpo.party_id === "CPA",
    ).id;
    expect((await hub.admin("POST", `/agreements/${id}/suspend`)).body.status).toBe("SUSPENDED");
    m.msa.requests.length = 0;
    const suspendedPush = await pushLocation(m.cpa, CPA, "LOC1", "2026-01-01T11:00:00Z");
    expect(suspendedPush.body.status_message).toBe("queued for 1 platform");
    await hub.settled();
    expect(received(m.msa, "locations")).toEqual([]);
    expect(received(m.msb, "locations")).toEqual(["PUT /NL/CPA/LOC1"]);

    // Resumed: MSA gets what it missed, as the current copy.
    await hub.admin("POST", `/agreements/${id}/resume`);
    await eventually(() => received(m.msa, "locations").length > 0, 10_000);
    await hub.settled();
    expect(received(m.msa, "locations")).toEqual(["PUT /NL/CPA/LOC1"]);

    // Ended: nothing more, and it cannot come back.
    await hub.admin("POST", `/agreements/${id}/end`);
    m.msa.requests.length = 0;
    await pushLocation(m.cpa, CPA, "LOC1", "2026-01-01T12:00:00Z");
    await hub.settled();
    expect(received(m.msa, "locations")).toEqual([]);
    expect((await hub.admin("POST", `/agreements/${id}/resume`)).status).toBe(409);
    expect(ids((await listVia(m.msa, "locations")).items)).toEqual(["NL/CPB/LOC9"]);
  });
});

describe("ROAMING_POLICY=agreements on two instances", () => {
  it("applies an agreement recorded or suspended on one instance to the traffic of the other at once", async () => {
    const [a, b] = await startTwoInstances({ env: { ROAMING_POLICY: "agreements" } });
    const connect = async (party: Party, modules: Modules) =>
      (await a.connect([party], { modules, name: codes(party) })).platform;
    const cpa = await connect(CPA, CPO_MODULES);
    const msa = await connect(MSA, EMSP_MODULES);
    const msb = await connect(MSB, EMSP_MODULES);
    const created = await a.admin("POST", "/agreements", {
      ...pairOf(CPA, MSA),
      modules: ["locations"],
    });
    expect(created.status).toBe(201);
    const viaB = (path: string) => `${b.url}/ocpi/2.2.1/${path}`;
    await eventually(
      async () =>
        (await b.admin("GET", `/agreements/${created.body.id}`)).status === 200 &&
        b.deps.registry.list().length === 3,
      10_000,
    );
    const first = await cpa.hubRoute("PUT", viaB("locations/receiver/NL/CPA/LOC1"), {
      to: HUB,
      body: locationOf(codes(CPA), "LOC1", "2026-01-01T10:00:00Z"),
    });
    expect(first.body.status_message).toBe("queued for 1 platform");
    await eventually(() => received(msa, "locations").length > 0, 10_000);
    await a.settled();
    await b.settled();
    expect(received(msa, "locations")).toEqual(["PUT /NL/CPA/LOC1"]);
    expect(received(msb, "locations")).toEqual([]);

    await b.admin("POST", `/agreements/${created.body.id}/suspend`);
    await eventually(() => !a.deps.registry.mayExchange(CPA_ROLE, MSA_ROLE, "locations"), 10_000);
    const second = await cpa.hubRoute("PUT", `${a.url}/ocpi/2.2.1/locations/receiver/NL/CPA/LOC1`, {
      to: HUB,
      body: locationOf(codes(CPA), "LOC1", "2026-01-01T11:00:00Z"),
    });
    expect(second.body.status_message).toBe("queued for 0 platforms");
    const read = await msa.hubRoute("GET", viaB("locations/sender/LOC1"), { to: HUB });
    expect(read.body.status_code).toBe(2003);
  });
});

describe("an agreement recorded for later", () => {
  it("starts when its valid_from arrives, on one of two instances only: the eMSP gets the current copies then, not before, and once", async () => {
    const [a, b] = await startTwoInstances({ env: { ROAMING_POLICY: "agreements" } });
    const cpa = (await a.connect([CPA], { modules: CPO_MODULES, name: codes(CPA) })).platform;
    const msa = (await a.connect([MSA], { modules: EMSP_MODULES, name: codes(MSA) })).platform;
    const pushed = await cpa.hubRoute("PUT", `${a.url}/ocpi/2.2.1/locations/receiver/NL/CPA/LOC1`, {
      to: HUB,
      body: locationOf(codes(CPA), "LOC1", "2026-01-01T10:00:00Z"),
    });
    expect(pushed.body.status_message).toBe("queued for 0 platforms");
    const from = new Date(Date.now() + 4_000);
    const created = await b.admin("POST", "/agreements", {
      ...pairOf(CPA, MSA),
      modules: ["locations"],
      valid_from: from.toISOString(),
    });
    expect(created.status).toBe(201);
    await a.settled();
    await b.settled();
    expect(Date.now()).toBeLessThan(from.getTime());
    expect(received(msa, "locations")).toEqual([]);

    await eventually(() => received(msa, "locations").length > 0, 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(from.getTime());
    // Both instances watch for the start; one claims it. Another second gives the other its chance.
    await new Promise((r) => setTimeout(r, 1_200));
    await a.settled();
    await b.settled();
    expect(received(msa, "locations")).toEqual(["PUT /NL/CPA/LOC1"]);
    const infos = msa.requests.filter((r) => r.path === "/ocpi/2.2.1/clientinfo/NL/CPA");
    expect(infos).toHaveLength(1);
  });
});

const CPA_ROLE = { role: "CPO", countryCode: "NL", partyId: "CPA" };
const MSA_ROLE = { role: "EMSP", countryCode: "DE", partyId: "MSA" };
