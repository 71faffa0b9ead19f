import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ids, locationOf, tariffOf } from "../support/cache-fixtures.js";
import {
  eventually,
  type FakePlatform,
  type FakeRole,
  type ModuleRequest,
  type Reply,
} from "../support/fake-platform.js";
import { ADMIN_TOKEN, startHub, type TestHub } from "../support/test-hub.js";

/**
 * The initial sync: the hub pulls a CPO's locations and tariffs from its
 * Sender interfaces, page by page, into its cache.
 */

const HUB = "NL/HUB";
const EMSP = "DE/EMS";
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const otherCpoRole = { role: "CPO", country_code: "BE", party_id: "CPB" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const SENDERS = [
  { identifier: "locations", role: "SENDER" as const },
  { identifier: "tariffs", role: "SENDER" as const },
];

/** A promise the test resolves itself, to hold a page back. */
interface Gate {
  open(): void;
  opened: Promise<void>;
}

function gate(): Gate {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const g = { open, opened };
  gates.push(g);
  return g;
}

/** What a fake CPO serves on its Sender interfaces. */
interface Catalogue {
  locations: any[];
  tariffs: any[];
  /** The most objects on one page, whatever limit the hub asks for. */
  pageSize: number;
  /** Holds the page of this module and offset back until the gate opens. */
  hold?: { module: string; offset: number; gate: Gate };
  /** Answers the page of this module and offset with `reply` instead. */
  fail?: { module: string; offset: number; reply: Reply };
}

let hub: TestHub;
let emsp: FakePlatform;
let gates: Gate[] = [];

beforeEach(async () => {
  gates = [];
  hub = await startHub();
  ({ platform: emsp } = await hub.connect([emspRole], {
    name: "eMSP platform",
    modules: [
      { identifier: "locations", role: "RECEIVER" },
      { identifier: "tariffs", role: "RECEIVER" },
    ],
  }));
});

afterEach(async () => {
  for (const g of gates) g.open();
  await hub?.close();
});

/** The URL of a page after the first, as the fake CPO puts it in its Link header. */
const pageUrl = (fake: FakePlatform, module: string, offset: number, limit: number) =>
  `${fake.endpointUrl(module, "SENDER")}?offset=${offset}&limit=${limit}&cursor=${module}-${offset}`;

/**
 * Lets a fake CPO answer its Sender list GETs from `cat`, with Links it
 * builds itself; with `serves`, only the requests it accepts.
 */
function serveCatalogue(
  fake: FakePlatform,
  cat: Catalogue,
  serves: (req: ModuleRequest) => boolean = () => true,
) {
  fake.on(async (req) => {
    if (req.method !== "GET" || req.role !== "SENDER" || req.tail !== "") return undefined;
    if (!serves(req)) return undefined;
    const list =
      req.module === "locations" ? cat.locations : req.module === "tariffs" ? cat.tariffs : null;
    if (list === null) return undefined;
    const offset = Number(req.query.get("offset") ?? "0");
    if (cat.hold?.module === req.module && cat.hold.offset === offset) await cat.hold.gate.opened;
    if (cat.fail?.module === req.module && cat.fail.offset === offset) return cat.fail.reply;
    const limit = Math.min(Number(req.query.get("limit") ?? cat.pageSize), cat.pageSize);
    const headers: Record<string, string> = {
      "X-Total-Count": String(list.length),
      "X-Limit": String(cat.pageSize),
    };
    if (offset + limit < list.length) {
      headers.Link = `<${pageUrl(fake, req.module, offset + limit, limit)}>; rel="next"`;
    }
    return { body: fake.envelope(list.slice(offset, offset + limit)), headers };
  });
}

/** The hub's list GETs at the fake's Sender interfaces, in order. */
const pulls = (fake: FakePlatform): ModuleRequest[] =>
  fake.moduleRequests(undefined, "SENDER").filter((r) => r.method === "GET" && r.tail === "");

/** Creates a CPO fake serving `cat`, and lets it register; the hub starts its sync then. */
async function connectCpo(
  roles: FakeRole[],
  cat: Catalogue,
  modules: { identifier: string; role: "SENDER" | "RECEIVER" }[] = SENDERS,
) {
  const fake = await hub.fake({ roles, modules });
  serveCatalogue(fake, cat);
  const invited = await hub.invite(roles, "CPO platform");
  const answer = await fake.register(invited.versions_url, invited.token_a);
  expect(answer.body.status_code).toBe(1000);
  return { fake, id: invited.id };
}

const syncOf = async (id: string) => (await hub.admin("GET", `/platforms/${id}`)).body.sync;

/** The sync once it has finished after being started by `trigger`. */
async function finished(id: string, trigger: string): Promise<any> {
  return eventually(async () => {
    const sync = await syncOf(id);
    return sync && sync.trigger === trigger && sync.status !== "RUNNING" ? sync : undefined;
  }, 20_000);
}

async function succeeded(id: string, trigger: string): Promise<any> {
  const sync = await finished(id, trigger);
  expect(sync.status, JSON.stringify(sync)).toBe("SUCCEEDED");
  expect(sync.error).toBeNull();
  return sync;
}

/** GET all via hub, by the eMSP, as one page. */
async function cached(module: "locations" | "tariffs"): Promise<any[]> {
  const res = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/${module}/sender`, { to: HUB });
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res.body.data;
}

describe("initial sync", () => {
  it("on connect pulls every page of locations, then of tariffs, with the hub's token and routing headers", async () => {
    const cat: Catalogue = {
      locations: ["L1", "L2", "L3", "L4", "L5"].map((id) => locationOf("NL/CPO", id)),
      tariffs: ["T1", "T2", "T3"].map((id) => tariffOf("NL/CPO", id)),
      pageSize: 2,
    };
    const { fake, id } = await connectCpo([cpoRole], cat);
    const sync = await succeeded(id, "connect");
    expect(sync).toMatchObject({ pages: 5, locations: 5, tariffs: 3, skipped: 0, removed: 0 });
    expect(Date.parse(sync.started_at)).not.toBeNaN();
    expect(Date.parse(sync.finished_at)).toBeGreaterThanOrEqual(Date.parse(sync.started_at));

    const requests = pulls(fake);
    expect(requests.map((r) => `${r.module}?${r.query.toString()}`)).toEqual([
      "locations?offset=0&limit=1000",
      "locations?offset=2&limit=2&cursor=locations-2",
      "locations?offset=4&limit=2&cursor=locations-4",
      "tariffs?offset=0&limit=1000",
      "tariffs?offset=2&limit=2&cursor=tariffs-2",
    ]);
    for (const r of requests) {
      expect(r.token).toBe(fake.tokenForHub);
      expect(r.headers.authorization).toBe(
        `Token ${Buffer.from(fake.tokenForHub).toString("base64")}`,
      );
      expect([
        r.headers["ocpi-to-country-code"],
        r.headers["ocpi-to-party-id"],
        r.headers["ocpi-from-country-code"],
        r.headers["ocpi-from-party-id"],
      ]).toEqual(["NL", "CPO", "NL", "HUB"]);
      expect(r.headers["x-request-id"]).toMatch(/\S/);
      expect(r.headers["x-correlation-id"]).toMatch(/\S/);
    }

    expect(await cached("locations")).toEqual(cat.locations);
    expect(await cached("tariffs")).toEqual(cat.tariffs);
    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.find((p: { id: string }) => p.id === id).sync).toEqual(sync);
    expect(list.body.data.find((p: { id: string }) => p.id !== id).sync).toBeNull();
  });

  it("shows its progress while it runs", async () => {
    const hold = gate();
    const cat: Catalogue = {
      locations: ["L1", "L2", "L3", "L4", "L5", "L6"].map((id) => locationOf("NL/CPO", id)),
      tariffs: [tariffOf("NL/CPO", "T1")],
      pageSize: 2,
      hold: { module: "locations", offset: 4, gate: hold },
    };
    const { id } = await connectCpo([cpoRole], cat);

    const running = await eventually(async () => {
      const sync = await syncOf(id);
      return sync?.status === "RUNNING" && sync.pages === 2 && sync.locations === 4
        ? sync
        : undefined;
    });
    expect(running).toMatchObject({
      trigger: "connect",
      finished_at: null,
      tariffs: 0,
      removed: 0,
      error: null,
    });
    const list = await hub.admin("GET", "/platforms");
    expect(list.body.data.find((p: { id: string }) => p.id === id).sync.status).toBe("RUNNING");

    hold.open();
    const sync = await succeeded(id, "connect");
    expect(sync).toMatchObject({ pages: 4, locations: 6, tariffs: 1, skipped: 0, removed: 0 });
    expect(await cached("locations")).toEqual(cat.locations);
  });

  it("pulls only the module a CPO has a Sender of", async () => {
    const cat: Catalogue = {
      locations: [locationOf("NL/CPO", "L1")],
      tariffs: [tariffOf("NL/CPO", "T1")],
      pageSize: 10,
    };
    const { fake, id } = await connectCpo([cpoRole], cat, [
      { identifier: "tariffs", role: "SENDER" },
      { identifier: "locations", role: "RECEIVER" },
    ]);
    const sync = await succeeded(id, "connect");
    expect(sync).toMatchObject({ pages: 1, locations: 0, tariffs: 1, skipped: 0, removed: 0 });
    expect(pulls(fake).map((r) => r.module)).toEqual(["tariffs"]);
    expect(await cached("locations")).toEqual([]);
    expect(await cached("tariffs")).toEqual(cat.tariffs);
  });

  it("skips and counts objects of a party that is not a CPO of the platform, and invalid ones", async () => {
    const roles = [
      cpoRole,
      { role: "CPO", country_code: "NL", party_id: "CP2" },
      { role: "EMSP", country_code: "NL", party_id: "EMX" },
    ];
    const { address: _address, ...noAddress } = locationOf("NL/CPO", "L5");
    const badStatus = locationOf("NL/CPO", "L6");
    badStatus.evses[0].status = "BROKEN";
    const cat: Catalogue = {
      locations: [
        locationOf("NL/CPO", "L1"),
        locationOf("BE/XXX", "L3"),
        locationOf("NL/CP2", "L2"),
        locationOf("NL/EMX", "L4"),
        noAddress,
        badStatus,
      ],
      tariffs: [
        tariffOf("DE/ABC", "T2"),
        tariffOf("NL/CPO", "T1"),
        { ...tariffOf("NL/CPO", "T3"), elements: [] },
      ],
      pageSize: 4,
    };
    const { id } = await connectCpo(roles, cat);
    const sync = await succeeded(id, "connect");
    // The fake lists everything to both CPO parties: each pull takes its own party's
    // objects, passes over the other party's, and skips the rest (BE/XXX, NL/EMX and
    // DE/ABC once per pull; the invalid NL/CPO ones in NL/CPO's pull).
    expect(sync).toMatchObject({ pages: 6, locations: 2, tariffs: 1, skipped: 9, removed: 0 });
    expect(ids(await cached("locations"))).toEqual(["NL/CPO/L1", "NL/CP2/L2"]);
    expect(ids(await cached("tariffs"))).toEqual(["NL/CPO/T1"]);
  });
});

describe("tolerance", () => {
  it("takes pulled objects with the deviations the tolerance policy accepts, as pushed ones, and skips them under VALIDATION=strict", async () => {
    // As a Python backend writes it: isoformat() offsets and coordinates of 3 decimals.
    const pythonStyle = {
      ...locationOf("NL/CPO", "L7"),
      coordinates: { latitude: "52.371", longitude: "4.9" },
      last_updated: "2026-03-01T10:00:00.123000+00:00",
    };
    const cat: Catalogue = { locations: [pythonStyle], tariffs: [], pageSize: 10 };
    const tolerant = await connectCpo([cpoRole], cat);
    expect(await succeeded(tolerant.id, "connect")).toMatchObject({ locations: 1, skipped: 0 });
    expect(ids(await cached("locations"))).toEqual(["NL/CPO/L7"]);

    await hub.close();
    hub = await startHub({ env: { VALIDATION: "strict" } });
    const strict = await connectCpo([cpoRole], cat);
    expect(await succeeded(strict.id, "connect")).toMatchObject({ locations: 0, skipped: 1 });
    const skipped = hub.logs.find((l) => l.msg === "cache sync skipped an object");
    expect(String(skipped?.reason)).toMatch(/last_updated: .*utc-offset/);
  });
});

describe("POST /admin/platforms/:id/sync", () => {
  it("answers 202 with the RUNNING sync, 409 while it runs, and the sync ends SUCCEEDED", async () => {
    const cat: Catalogue = {
      locations: [locationOf("NL/CPO", "L1")],
      tariffs: [tariffOf("NL/CPO", "T1")],
      pageSize: 1000,
    };
    const { fake, id } = await connectCpo([cpoRole], cat);
    await succeeded(id, "connect");
    const before = pulls(fake).length;

    const hold = gate();
    cat.hold = { module: "locations", offset: 0, gate: hold };
    cat.locations.push(locationOf("NL/CPO", "L2"));
    const started = await hub.admin("POST", `/platforms/${id}/sync`);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.id).toBe(id);
    expect(started.body.sync).toMatchObject({
      status: "RUNNING",
      trigger: "admin",
      finished_at: null,
      error: null,
    });

    const again = await hub.admin("POST", `/platforms/${id}/sync`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");

    hold.open();
    const sync = await succeeded(id, "admin");
    expect(sync).toMatchObject({ pages: 2, locations: 2, tariffs: 1, skipped: 0, removed: 0 });
    expect(
      pulls(fake)
        .slice(before)
        .map((r) => r.module),
    ).toEqual(["locations", "tariffs"]);
    expect(ids(await cached("locations"))).toEqual(["NL/CPO/L1", "NL/CPO/L2"]);
  });

  it("answers 404 for an unknown platform and 409 for one that cannot be synced", async () => {
    const unknown = await hub.admin("POST", `/platforms/${randomUUID()}/sync`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");

    const refused = await fetch(`${hub.url}/admin/platforms/${randomUUID()}/sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}-not` },
    });
    expect(refused.status).toBe(401);

    const pending = await hub.invite([otherCpoRole], "Invited CPO");
    const { id: emspId } = (await hub.admin("GET", "/platforms")).body.data.find(
      (p: { roles: { role: string }[] }) => p.roles[0]?.role === "EMSP",
    );
    const { id: bare } = await hub.connect([{ role: "CPO", country_code: "NL", party_id: "CPN" }], {
      name: "CPO without Senders",
      modules: [{ identifier: "locations", role: "RECEIVER" }],
    });
    const cat: Catalogue = { locations: [], tariffs: [], pageSize: 10 };
    const { id: suspended } = await connectCpo([cpoRole], cat);
    await succeeded(suspended, "connect");
    expect((await hub.admin("POST", `/platforms/${suspended}/suspend`)).status).toBe(200);

    for (const [what, id] of [
      ["a PENDING platform", pending.id],
      ["an eMSP platform", emspId],
      ["a CPO without a locations or tariffs Sender", bare],
      ["a SUSPENDED CPO", suspended],
    ] as const) {
      const res = await hub.admin("POST", `/platforms/${id}/sync`);
      expect(res.status, what).toBe(409);
      expect(res.body.error.code, what).toBe("CONFLICT");
      expect(typeof res.body.error.message, what).toBe("string");
    }
    for (const id of [pending.id, emspId, bare]) expect(await syncOf(id), id).toBeNull();
  });
});

describe("failures and removals", () => {
  it.each([
    [
      "a non-JSON answer",
      "locations",
      { raw: "<html>maintenance</html>", headers: { "content-type": "text/html" } },
      /json/i,
    ],
    [
      "status_code 3000",
      "locations",
      { body: { status_code: 3000, status_message: "busy", timestamp: "2024-01-01T00:00:00Z" } },
      /3000/,
    ],
    ["a dropped connection", "locations", { reset: true }, /\S/],
    [
      "status_code 2001 on a tariffs page",
      "tariffs",
      { body: { status_code: 2001, status_message: "bad", timestamp: "2024-01-01T00:00:00Z" } },
      /2001/,
    ],
  ])(
    "%s ends the sync FAILED naming the module, the URL and the reason; nothing is removed",
    async (_what, module, reply, reason) => {
      const cat: Catalogue = {
        locations: ["L1", "L2", "L3", "L4"].map((id) => locationOf("NL/CPO", id)),
        tariffs: ["T1", "T2", "T3", "T4"].map((id) => tariffOf("NL/CPO", id)),
        pageSize: 2,
      };
      const { fake, id } = await connectCpo([cpoRole], cat);
      await succeeded(id, "connect");
      const locations = await cached("locations");
      const tariffs = await cached("tariffs");
      expect(locations).toHaveLength(4);
      expect(tariffs).toHaveLength(4);

      // A complete pass would now remove the failing module's last object.
      if (module === "locations") cat.locations.pop();
      else cat.tariffs.pop();
      cat.fail = { module, offset: 2, reply: reply as Reply };
      expect((await hub.admin("POST", `/platforms/${id}/sync`)).status).toBe(202);
      const sync = await finished(id, "admin");
      expect(sync.status, JSON.stringify(sync)).toBe("FAILED");
      expect(sync.finished_at).not.toBeNull();
      expect(sync.removed).toBe(0);
      expect(sync.error).toContain(module);
      expect(sync.error).toContain(pageUrl(fake, module, 2, 2));
      expect(sync.error).toMatch(reason);

      expect(await cached("locations")).toEqual(locations);
      expect(await cached("tariffs")).toEqual(tariffs);
    },
  );

  it("a later sync removes what the CPO no longer returns, and takes its changes", async () => {
    const cat: Catalogue = {
      locations: ["L1", "L2", "L3"].map((id) => locationOf("NL/CPO", id)),
      tariffs: ["T1", "T2"].map((id) => tariffOf("NL/CPO", id)),
      pageSize: 2,
    };
    const { fake: cpo, id } = await connectCpo([cpoRole], cat);
    await succeeded(id, "connect");
    const { platform: other } = await hub.connect([otherCpoRole], {
      name: "Other CPO",
      modules: [],
    });
    const theirs = locationOf("BE/CPB", "L2");
    const put = await other.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/BE/CPB/L2`, {
      to: EMSP,
      body: theirs,
    });
    expect(put.body.status_code).toBe(1000);
    // Pushed once, never returned by the CPO's Sender.
    const pushed = locationOf("NL/CPO", "P1", "2016-01-01T00:00:00Z");
    const push = await cpo.hubRoute("PUT", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/P1`, {
      to: EMSP,
      body: pushed,
    });
    expect(push.body.status_code).toBe(1000);
    expect(ids(await cached("locations"))).toEqual([
      "NL/CPO/L1",
      "NL/CPO/L2",
      "NL/CPO/L3",
      "BE/CPB/L2",
      "NL/CPO/P1",
    ]);

    const changed = {
      ...locationOf("NL/CPO", "L3"),
      name: "Changed",
      last_updated: "2017-01-01T00:00:00Z",
    };
    cat.locations = [cat.locations[0], changed];
    cat.tariffs = [cat.tariffs[1]];
    expect((await hub.admin("POST", `/platforms/${id}/sync`)).status).toBe(202);
    const sync = await succeeded(id, "admin");
    expect(sync).toMatchObject({ locations: 2, tariffs: 1, skipped: 0, removed: 3 });

    expect(await cached("locations")).toEqual([cat.locations[0], changed, theirs]);
    expect(await cached("tariffs")).toEqual(cat.tariffs);
    const gone = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/sender/P1`, {
      to: HUB,
    });
    expect(gone.status).toBe(404);
    expect(gone.body.status_code).toBe(2003);
  });

  it("DELETE /admin/platforms/:id removes the platform's cached objects", async () => {
    const cat: Catalogue = {
      locations: [locationOf("NL/CPO", "L1"), locationOf("NL/CPO", "L2")],
      tariffs: [tariffOf("NL/CPO", "T1")],
      pageSize: 1000,
    };
    const { id } = await connectCpo([cpoRole], cat);
    await succeeded(id, "connect");
    const { platform: other } = await hub.connect([otherCpoRole], {
      name: "Other CPO",
      modules: [],
    });
    const theirs = locationOf("BE/CPB", "L1");
    const theirTariff = tariffOf("BE/CPB", "T1");
    for (const [module, object] of [
      ["locations", theirs],
      ["tariffs", theirTariff],
    ] as const) {
      const res = await other.hubRoute(
        "PUT",
        `${hub.url}/ocpi/2.2.1/${module}/receiver/BE/CPB/${object.id}`,
        { to: EMSP, body: object },
      );
      expect(res.body.status_code).toBe(1000);
    }
    expect(await cached("locations")).toHaveLength(3);

    expect((await hub.admin("DELETE", `/platforms/${id}`)).status).toBe(204);
    expect(await cached("locations")).toEqual([theirs]);
    expect(await cached("tariffs")).toEqual([theirTariff]);
    const gone = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/sender/L2`, {
      to: HUB,
    });
    expect(gone.status).toBe(404);
    expect(gone.body.status_code).toBe(2003);
  });
});

describe("pushes during a sync", () => {
  it("a newer push is not overwritten by an older page nor removed; unknown objects are forwarded, not cached", async () => {
    const hold = gate();
    const old = locationOf("NL/CPO", "L1", "2015-06-29T20:39:09Z");
    const cat: Catalogue = {
      locations: [old, locationOf("NL/CPO", "L2")],
      tariffs: [tariffOf("NL/CPO", "T1", "2015-01-01T00:00:00Z")],
      pageSize: 1000,
      hold: { module: "locations", offset: 0, gate: hold },
    };
    const { fake: cpo, id } = await connectCpo([cpoRole], cat);
    await eventually(() => pulls(cpo).length === 1);
    expect((await syncOf(id)).status).toBe("RUNNING");

    const send = async (method: string, path: string, body: unknown) => {
      const seen = emsp.moduleRequests().length;
      const res = await cpo.hubRoute(method, `${hub.url}/ocpi/2.2.1/${path}`, { to: EMSP, body });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.status_code, `${method} ${path}`).toBe(1000);
      expect(emsp.moduleRequests().slice(seen), `${method} ${path} forwarded`).toHaveLength(1);
    };
    const newer = { ...old, name: "Pushed", last_updated: "2020-01-01T00:00:00Z" };
    const extra = locationOf("NL/CPO", "L9", "2020-01-01T00:00:00Z");
    const newerTariff = tariffOf("NL/CPO", "T1", "2020-01-01T00:00:00Z");
    await send("PUT", "locations/receiver/NL/CPO/L1", newer);
    await send("PUT", "locations/receiver/NL/CPO/L9", extra);
    await send("PUT", "tariffs/receiver/NL/CPO/T1", newerTariff);
    // Not in the cache yet, but perhaps on a page still to come: forwarded, not cached.
    await send("PATCH", "locations/receiver/NL/CPO/LX", {
      name: "Unknown",
      last_updated: "2020-01-01T00:00:00Z",
    });
    await send("PUT", "locations/receiver/NL/CPO/LY/3258", {
      ...old.evses[0],
      uid: "3258",
      last_updated: "2020-01-01T00:00:00Z",
    });

    hold.open();
    const sync = await succeeded(id, "connect");
    expect(sync.removed).toBe(0);
    expect(await cached("locations")).toEqual([newer, extra, cat.locations[1]]);
    expect(await cached("tariffs")).toEqual([newerTariff]);
    for (const unknown of ["LX", "LY"]) {
      const res = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/sender/${unknown}`, {
        to: HUB,
      });
      expect(res.status, unknown).toBe(404);
      expect(res.body.status_code, unknown).toBe(2003);
    }
  });
});

describe("a platform with several CPO parties", () => {
  const secondCpo = { role: "CPO", country_code: "NL", party_id: "CP2" };

  /** Serves each CPO party's catalogue to the list GETs whose OCPI-to names it. */
  async function connectTwoParties(byParty: Record<string, Catalogue>) {
    const roles = [cpoRole, secondCpo];
    const fake = await hub.fake({ roles, modules: SENDERS });
    const selected = (req: ModuleRequest) =>
      byParty[`${req.headers["ocpi-to-country-code"]}/${req.headers["ocpi-to-party-id"]}`];
    for (const [party, cat] of Object.entries(byParty)) {
      serveCatalogue(fake, cat, (req) => selected(req) === byParty[party]);
    }
    const invited = await hub.invite(roles, "Two-party CPO platform");
    const answer = await fake.register(invited.versions_url, invited.token_a);
    expect(answer.body.status_code).toBe(1000);
    return { fake, id: invited.id };
  }

  it("pulls every CPO party with its own OCPI-to, and a later sync removes only what that party dropped", async () => {
    const first: Catalogue = {
      locations: ["A1", "A2", "A3"].map((id) => locationOf("NL/CPO", id)),
      tariffs: [tariffOf("NL/CPO", "TA")],
      pageSize: 2,
    };
    const second: Catalogue = {
      locations: ["B1", "B2"].map((id) => locationOf("NL/CP2", id)),
      tariffs: [tariffOf("NL/CP2", "TB")],
      pageSize: 2,
    };
    const { fake, id } = await connectTwoParties({ "NL/CPO": first, "NL/CP2": second });
    const sync = await succeeded(id, "connect");
    expect(sync).toMatchObject({ pages: 5, locations: 5, tariffs: 2, skipped: 0, removed: 0 });
    const to = (r: ModuleRequest) =>
      `${r.headers["ocpi-to-country-code"]}/${r.headers["ocpi-to-party-id"]}`;
    expect(pulls(fake).map((r) => `${r.module} ${to(r)} ${r.query.get("offset")}`)).toEqual([
      "locations NL/CPO 0",
      "locations NL/CPO 2",
      "locations NL/CP2 0",
      "tariffs NL/CPO 0",
      "tariffs NL/CP2 0",
    ]);
    for (const r of pulls(fake)) {
      expect([r.headers["ocpi-from-country-code"], r.headers["ocpi-from-party-id"]]).toEqual([
        "NL",
        "HUB",
      ]);
    }
    expect(ids(await cached("locations"))).toEqual([
      "NL/CPO/A1",
      "NL/CPO/A2",
      "NL/CPO/A3",
      "NL/CP2/B1",
      "NL/CP2/B2",
    ]);
    expect(ids(await cached("tariffs"))).toEqual(["NL/CPO/TA", "NL/CP2/TB"]);

    // The first party no longer has A2; the second party's list is the same.
    first.locations = [first.locations[0], first.locations[2]];
    expect((await hub.admin("POST", `/platforms/${id}/sync`)).status).toBe(202);
    const again = await succeeded(id, "admin");
    expect(again).toMatchObject({ locations: 4, tariffs: 2, skipped: 0, removed: 1 });
    expect(ids(await cached("locations"))).toEqual([
      "NL/CPO/A1",
      "NL/CPO/A3",
      "NL/CP2/B1",
      "NL/CP2/B2",
    ]);
    expect(ids(await cached("tariffs"))).toEqual(["NL/CPO/TA", "NL/CP2/TB"]);
  });

  it("takes each party's objects from its own pull only: another party's in the list are passed over", async () => {
    // A platform that ignores OCPI-to and lists both parties' objects to each.
    const both: Catalogue = {
      locations: [locationOf("NL/CPO", "A1"), locationOf("NL/CP2", "B1")],
      tariffs: [],
      pageSize: 10,
    };
    const { id } = await connectTwoParties({ "NL/CPO": both, "NL/CP2": both });
    const sync = await succeeded(id, "connect");
    expect(sync).toMatchObject({ pages: 4, locations: 2, tariffs: 0, skipped: 0, removed: 0 });
    expect(ids(await cached("locations"))).toEqual(["NL/CPO/A1", "NL/CP2/B1"]);

    // B1 leaves the list: only the second party's pull could vouch for it, so it goes.
    both.locations = [both.locations[0]];
    expect((await hub.admin("POST", `/platforms/${id}/sync`)).status).toBe(202);
    expect(await succeeded(id, "admin")).toMatchObject({ locations: 1, removed: 1 });
    expect(ids(await cached("locations"))).toEqual(["NL/CPO/A1"]);
  });

  it("a failing pull of one party ends the sync FAILED naming the party, and removes nothing", async () => {
    const first: Catalogue = {
      locations: [locationOf("NL/CPO", "A1")],
      tariffs: [],
      pageSize: 10,
    };
    const second: Catalogue = {
      locations: [locationOf("NL/CP2", "B1")],
      tariffs: [],
      pageSize: 10,
    };
    const { id } = await connectTwoParties({ "NL/CPO": first, "NL/CP2": second });
    await succeeded(id, "connect");
    first.locations = [];
    second.fail = {
      module: "locations",
      offset: 0,
      reply: {
        body: { status_code: 3000, status_message: "busy", timestamp: "2024-01-01T00:00:00Z" },
      },
    };
    expect((await hub.admin("POST", `/platforms/${id}/sync`)).status).toBe(202);
    const sync = await finished(id, "admin");
    expect(sync.status).toBe("FAILED");
    expect(sync.error).toContain("NL/CP2");
    expect(sync.error).toMatch(/3000/);
    expect(sync.removed).toBe(0);
    expect(ids(await cached("locations"))).toEqual(["NL/CPO/A1", "NL/CP2/B1"]);
  });
});
