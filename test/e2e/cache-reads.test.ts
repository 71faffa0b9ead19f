import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ids, locationOf, tariffOf } from "../support/cache-fixtures.js";
import { example } from "../support/examples.js";
import { expectRouting } from "../support/expect.js";
import {
  eventually,
  type FakePlatform,
  type FakeRole,
  type HubAnswer,
} from "../support/fake-platform.js";
import { code } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * GET all via hub: eMSPs read the locations and tariffs of every CPO from
 * the hub's cache in one paginated list, and single objects by id.
 */

const HUB = "NL/HUB";
const EMSP = "DE/EMS";
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const otherCpoRole = { role: "CPO", country_code: "BE", party_id: "CPB" };
const senderCpoRole = { role: "CPO", country_code: "NL", party_id: "CPS" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };

let hub: TestHub;
let cpoA: FakePlatform;
let cpoB: FakePlatform;
let emsp: FakePlatform;
let cpoAId: string;

beforeEach(async () => {
  hub = await startHub();
  // No locations or tariffs Sender: these CPOs only push, the hub has nothing to pull.
  ({ platform: cpoA, id: cpoAId } = await hub.connect([cpoRole], {
    name: "CPO platform",
    modules: [],
  }));
  ({ platform: cpoB } = await hub.connect([otherCpoRole], {
    name: "Other CPO platform",
    modules: [],
  }));
  ({ platform: emsp } = await hub.connect([emspRole], {
    name: "eMSP platform",
    modules: [
      { identifier: "locations", role: "RECEIVER" },
      { identifier: "tariffs", role: "RECEIVER" },
    ],
  }));
});

afterEach(async () => {
  await hub?.close();
});

/** The CPO that owns `object` pushes it to the eMSP through the hub. */
async function push(module: "locations" | "tariffs", object: any, cpo?: FakePlatform) {
  const from = cpo ?? (code(object) === "NL/CPO" ? cpoA : cpoB);
  const res = await from.hubRoute(
    "PUT",
    `${hub.url}/ocpi/2.2.1/${module}/receiver/${code(object)}/${object.id}`,
    { to: EMSP, body: object },
  );
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
}

/** The eMSP's GET; OCPI-to = the hub unless `to` says otherwise (null: no OCPI-to). */
function get(pathOrUrl: string, to: string | null = HUB): Promise<HubAnswer> {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${hub.url}/ocpi/2.2.1/${pathOrUrl}`;
  return emsp.hubRoute("GET", url, to === null ? {} : { to });
}

interface Page {
  data: any[];
  total: string | null;
  limit: string | null;
  /** The URL of the next page, or undefined on the last page. */
  next: string | undefined;
  res: HubAnswer;
}

/** One page of a list GET, checked to be a 1000 answered by the hub to the eMSP. */
async function page(pathOrUrl: string, to: string | null = HUB): Promise<Page> {
  const res = await get(pathOrUrl, to);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  expect(Array.isArray(res.body.data), JSON.stringify(res.body)).toBe(true);
  expectRouting(res.headers, EMSP, HUB, "the answer's");
  const link = res.headers.get("link");
  let next: string | undefined;
  if (link !== null) {
    const m = /^<([^>]+)>;\s*rel="next"$/.exec(link);
    expect(m, `Link: ${link}`).not.toBeNull();
    next = m?.[1];
  }
  return {
    data: res.body.data,
    total: res.headers.get("x-total-count"),
    limit: res.headers.get("x-limit"),
    next,
    res,
  };
}

/** A next-page URL: on the hub's own list endpoint, with these query parameters. */
function expectNext(next: string | undefined, module: string, params: Record<string, string>) {
  expect(next, "Link to the next page").toBeDefined();
  const url = new URL(next as string);
  expect(`${url.origin}${url.pathname}`).toBe(`${hub.url}/ocpi/2.2.1/${module}/sender`);
  // Besides the offset, the Link carries the hub's keyset cursor: the last object's list key.
  expect(Object.fromEntries(url.searchParams)).toEqual({
    ...params,
    after: expect.stringMatching(/^\d+$/),
  });
}

interface Catalogue {
  locations: any[];
  tariffs: any[];
  /** The most objects the CPO puts on one page, whatever limit it is asked for. */
  pageSize: number;
}

/** Lets a fake CPO answer its locations and tariffs Sender from `cat`, page by page. */
function serveCatalogue(fake: FakePlatform, cat: Catalogue) {
  fake.on((req) => {
    if (req.method !== "GET" || req.role !== "SENDER") return undefined;
    const list =
      req.module === "locations" ? cat.locations : req.module === "tariffs" ? cat.tariffs : null;
    if (list === null) return undefined;
    if (req.tail !== "") {
      const id = req.tail.split("/")[1]?.toUpperCase();
      const found = list.find((o) => String(o.id).toUpperCase() === id);
      return found === undefined
        ? { status: 404, body: fake.envelope(undefined, 2003, "unknown") }
        : { body: fake.envelope(found) };
    }
    const offset = Number(req.query.get("offset") ?? "0");
    const limit = Math.min(Number(req.query.get("limit") ?? cat.pageSize), cat.pageSize);
    const headers: Record<string, string> = {
      "X-Total-Count": String(list.length),
      "X-Limit": String(cat.pageSize),
    };
    if (offset + limit < list.length) {
      headers.Link = `<${fake.endpointUrl(req.module, "SENDER")}?offset=${offset + limit}&limit=${limit}>; rel="next"`;
    }
    return { body: fake.envelope(list.slice(offset, offset + limit)), headers };
  });
}

/** The platform's sync once it has finished after being started by `trigger`. */
async function finishedSync(id: string, trigger: string): Promise<any> {
  return eventually(async () => {
    const sync = (await hub.admin("GET", `/platforms/${id}`)).body.sync;
    return sync && sync.trigger === trigger && sync.status !== "RUNNING" ? sync : undefined;
  }, 20_000);
}

/** A CPO with locations and tariffs Senders serving `cat`; returns once the hub has synced it. */
async function connectSender(role: FakeRole, cat: Catalogue) {
  const fake = await hub.fake({
    roles: [role],
    modules: [
      { identifier: "locations", role: "SENDER" },
      { identifier: "tariffs", role: "SENDER" },
    ],
  });
  serveCatalogue(fake, cat);
  const invited = await hub.invite([role], "Sender CPO platform");
  const answer = await fake.register(invited.versions_url, invited.token_a);
  expect(answer.body.status_code).toBe(1000);
  const sync = await finishedSync(invited.id, "connect");
  expect(sync.status, JSON.stringify(sync)).toBe("SUCCEEDED");
  return { fake, id: invited.id };
}

describe("GET all via hub", () => {
  it("merges the locations of both CPOs in the order first cached, over pages with totals and a Link to the hub", async () => {
    const order = [
      locationOf("NL/CPO", "LOC1"),
      locationOf("BE/CPB", "LOC1"),
      locationOf("NL/CPO", "LOC2"),
      locationOf("BE/CPB", "B2"),
      locationOf("NL/CPO", "LOC3"),
      locationOf("BE/CPB", "B3"),
      locationOf("NL/CPO", "LOC4"),
    ];
    for (const l of order) await push("locations", l);

    const first = await page("locations/sender?date_from=2000-01-01T00:00:00Z&limit=3");
    expect(first.data).toEqual(order.slice(0, 3));
    expect(first.total).toBe("7");
    expect(first.limit).toBe("500");
    expectNext(first.next, "locations", {
      date_from: "2000-01-01T00:00:00Z",
      offset: "3",
      limit: "3",
    });

    // Updates between pages move nothing.
    const renamed = {
      ...locationOf("NL/CPO", "LOC1"),
      name: "Renamed",
      last_updated: "2016-01-01T00:00:00Z",
    };
    await push("locations", renamed);
    const patch = await cpoB.hubRoute(
      "PATCH",
      `${hub.url}/ocpi/2.2.1/locations/receiver/BE/CPB/B3/3256`,
      { to: EMSP, body: { status: "CHARGING", last_updated: "2016-01-02T00:00:00Z" } },
    );
    expect(patch.body.status_code).toBe(1000);

    const second = await page(first.next as string);
    expect(ids(second.data)).toEqual(ids(order.slice(3, 6)));
    expect(second.data[2].evses[0].status).toBe("CHARGING");
    expect(second.total).toBe("7");
    expect(second.limit).toBe("500");
    expectNext(second.next, "locations", {
      date_from: "2000-01-01T00:00:00Z",
      offset: "6",
      limit: "3",
    });

    const third = await page(second.next as string);
    expect(third.data).toEqual([order[6]]);
    expect(third.total).toBe("7");
    expect(third.limit).toBe("500");
    expect(third.next).toBeUndefined();

    const again = await page("locations/sender?limit=3");
    expect(again.data).toEqual([renamed, order[1], order[2]]);

    // Answered by the hub: no CPO was asked.
    for (const cpo of [cpoA, cpoB]) expect(cpo.moduleRequests(undefined, "SENDER")).toEqual([]);
  });

  it("merges the tariffs of both CPOs, the same id of two CPOs being two tariffs", async () => {
    const order = [
      tariffOf("NL/CPO", "12"),
      tariffOf("BE/CPB", "12"),
      tariffOf("NL/CPO", "T3"),
      tariffOf("BE/CPB", "T4"),
    ];
    for (const t of order) await push("tariffs", t);

    const first = await page("tariffs/sender?limit=3");
    expect(first.data).toEqual(order.slice(0, 3));
    expect(first.total).toBe("4");
    expect(first.limit).toBe("500");
    expectNext(first.next, "tariffs", { offset: "3", limit: "3" });

    const second = await page(first.next as string);
    expect(second.data).toEqual([order[3]]);
    expect(second.total).toBe("4");
    expect(second.next).toBeUndefined();
  });

  it("answers an empty cache with data [], X-Total-Count 0, X-Limit 500 and no Link", async () => {
    for (const module of ["locations", "tariffs"]) {
      for (const query of ["", "?limit=3", "?offset=0&limit=0"]) {
        const empty = await page(`${module}/sender${query}`);
        expect(empty.data, `${module}${query}`).toEqual([]);
        expect(empty.total).toBe("0");
        expect(empty.limit).toBe("500");
        expect(empty.next).toBeUndefined();
      }
    }
  });

  it("has no Link on a last page that ends exactly at the last object", async () => {
    const order = ["L1", "L2", "L3", "L4", "L5", "L6"].map((id, i) =>
      locationOf(i % 2 === 0 ? "NL/CPO" : "BE/CPB", id),
    );
    for (const l of order) await push("locations", l);

    const first = await page("locations/sender?limit=3");
    expect(first.data).toEqual(order.slice(0, 3));
    expectNext(first.next, "locations", { offset: "3", limit: "3" });
    const second = await page(first.next as string);
    expect(second.data).toEqual(order.slice(3));
    expect(second.total).toBe("6");
    expect(second.next).toBeUndefined();
  });

  it("answers an offset at or past the end with data [], the right total and no Link", async () => {
    for (const id of ["L1", "L2", "L3"]) await push("locations", locationOf("NL/CPO", id));
    for (const query of ["offset=3", "offset=5&limit=2", "offset=1000"]) {
      const past = await page(`locations/sender?${query}`);
      expect(past.data, query).toEqual([]);
      expect(past.total).toBe("3");
      expect(past.limit).toBe("500");
      expect(past.next).toBeUndefined();
    }
  });

  it("caps limit at 500: a page holds exactly 500 of 501 objects, and the Link leads to the last one", async () => {
    const small = (i: number) => {
      const l = locationOf("NL/CPS", `S${String(i).padStart(3, "0")}`);
      l.evses = [l.evses[0]];
      return l;
    };
    const locations = Array.from({ length: 501 }, (_, i) => small(i));
    await connectSender(senderCpoRole, { locations, tariffs: [], pageSize: 1000 });

    for (const query of ["?limit=10000", "", "?limit=500"]) {
      const full = await page(`locations/sender${query}`);
      expect(full.data, query).toHaveLength(500);
      expect(ids(full.data)).toEqual(ids(locations.slice(0, 500)));
      expect(full.total).toBe("501");
      expect(full.limit).toBe("500");
      expectNext(full.next, "locations", { offset: "500", limit: "500" });
      const rest = await page(full.next as string);
      expect(rest.data).toEqual([locations[500]]);
      expect(rest.total).toBe("501");
      expect(rest.next).toBeUndefined();
    }
  });

  it("filters on last_updated: date_from inclusive, date_to exclusive, also over pages", async () => {
    const day = (d: number) => `2020-01-0${d}T00:00:00Z`;
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((n) =>
      locationOf(n % 2 === 0 ? "BE/CPB" : "NL/CPO", `D${n}`, day(n)),
    );
    for (const l of [a, b, c, d, e]) await push("locations", l);

    const window = await page(`locations/sender?date_from=${day(2)}&date_to=${day(4)}`);
    expect(window.data).toEqual([b, c]);
    expect(window.total).toBe("2");
    expect(window.next).toBeUndefined();

    expect((await page(`locations/sender?date_to=${day(2)}`)).data).toEqual([a]);
    expect((await page(`locations/sender?date_from=${day(4)}`)).data).toEqual([d, e]);

    const first = await page(`locations/sender?date_from=${day(2)}&limit=2`);
    expect(first.data).toEqual([b, c]);
    expect(first.total).toBe("4");
    expectNext(first.next, "locations", { date_from: day(2), offset: "2", limit: "2" });
    const second = await page(first.next as string);
    expect(second.data).toEqual([d, e]);
    expect(second.total).toBe("4");
    expect(second.next).toBeUndefined();

    // An EVSE update lifts its location's last_updated into the window; the order stays.
    const patch = await cpoA.hubRoute(
      "PATCH",
      `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/D1/3256`,
      { to: EMSP, body: { status: "CHARGING", last_updated: "2020-01-06T00:00:00Z" } },
    );
    expect(patch.body.status_code).toBe(1000);
    const late = await page(`locations/sender?date_from=${day(5)}`);
    expect(ids(late.data)).toEqual(ids([a, e]));
    expect(late.data[0].last_updated).toBe("2020-01-06T00:00:00Z");
    expect(late.total).toBe("2");

    const t1 = tariffOf("NL/CPO", "T1", day(1));
    const t2 = tariffOf("BE/CPB", "T2", day(3));
    await push("tariffs", t1);
    await push("tariffs", t2);
    expect((await page(`tariffs/sender?date_from=${day(3)}`)).data).toEqual([t2]);
    expect((await page(`tariffs/sender?date_to=${day(3)}`)).data).toEqual([t1]);
  });

  it("answers a bad offset, limit, date_from or date_to with HTTP 200 + 2001 naming it", async () => {
    await push("locations", locationOf("NL/CPO", "LOC1"));
    await push("tariffs", tariffOf("NL/CPO", "T1"));
    const cases: [string, string, string][] = [
      ["locations", "limit=abc", "limit"],
      ["locations", "limit=-1", "limit"],
      ["locations", "offset=abc", "offset"],
      ["locations", "offset=1.5", "offset"],
      ["locations", "date_from=yesterday", "date_from"],
      ["locations", "date_to=2020-13-01T00:00:00Z", "date_to"],
      ["locations", "date_from=2020-01-01T00:00:00Z&limit=3&offset=x", "offset"],
      ["tariffs", "limit=abc", "limit"],
      ["tariffs", "date_from=yesterday", "date_from"],
    ];
    for (const [module, query, name] of cases) {
      for (const to of [HUB, null]) {
        const what = `${module}?${query} with OCPI-to ${to ?? "absent"}`;
        const res = await get(`${module}/sender?${query}`, to);
        expect(res.status, what).toBe(200);
        expect(res.body.status_code, `${what}: ${JSON.stringify(res.body)}`).toBe(2001);
        expect(res.body.status_message, what).toContain(name);
        expect(res.body.data ?? [], what).toEqual([]);
      }
    }
  });

  it("answers a list GET without OCPI-to from the cache, as for OCPI-to = the hub", async () => {
    const a = locationOf("NL/CPO", "LOC1");
    const b = locationOf("BE/CPB", "LOC2");
    await push("locations", a);
    await push("locations", b);
    await push("tariffs", tariffOf("BE/CPB", "T1"));

    const open = await page("locations/sender?limit=1", null);
    expect(open.data).toEqual([a]);
    expect(open.total).toBe("2");
    expect(open.limit).toBe("500");
    expectNext(open.next, "locations", { offset: "1", limit: "1" });
    expect((await page(open.next as string, null)).data).toEqual([b]);
    expect((await page("tariffs/sender", null)).data).toEqual([tariffOf("BE/CPB", "T1")]);
    for (const cpo of [cpoA, cpoB]) expect(cpo.moduleRequests(undefined, "SENDER")).toEqual([]);
  });

  it("leaves out locations with publish = false, also from the totals", async () => {
    const hidden = {
      ...example("location_example_uc3_destination_charger_not_published.json"),
      country_code: "NL",
      party_id: "CPO",
      id: "PRIVATE",
    };
    const shown = locationOf("BE/CPB", "LOC2");
    await push("locations", hidden);
    await push("locations", shown);

    const list = await page("locations/sender");
    expect(list.data).toEqual([shown]);
    expect(list.total).toBe("1");

    // Published later, it shows in its place; unpublished again, it goes.
    const publish = (value: boolean, at: string) =>
      cpoA.hubRoute("PATCH", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/PRIVATE`, {
        to: EMSP,
        body: { publish: value, publish_allowed_to: [], last_updated: at },
      });
    expect((await publish(true, "2020-01-01T00:00:00Z")).body.status_code).toBe(1000);
    const published = await page("locations/sender");
    expect(ids(published.data)).toEqual(["NL/CPO/PRIVATE", "BE/CPB/LOC2"]);
    expect(published.total).toBe("2");
    expect((await publish(false, "2020-01-02T00:00:00Z")).body.status_code).toBe(1000);
    expect((await page("locations/sender")).data).toEqual([shown]);
  });

  it("hides the objects of a suspended or unregistered CPO; resumed (and synced again) they are back", async () => {
    const synced = {
      locations: [locationOf("NL/CPS", "S1"), locationOf("NL/CPS", "S2")],
      tariffs: [tariffOf("NL/CPS", "ST1")],
      pageSize: 1000,
    };
    const { id } = await connectSender(senderCpoRole, synced);
    const pushed = locationOf("BE/CPB", "LOC1");
    await push("locations", pushed);
    const all = [...synced.locations, pushed];
    expect((await page("locations/sender")).data).toEqual(all);
    expect((await page("tariffs/sender")).data).toEqual(synced.tariffs);

    expect((await hub.admin("POST", `/platforms/${id}/suspend`)).status).toBe(200);
    const suspended = await page("locations/sender");
    expect(suspended.data).toEqual([pushed]);
    expect(suspended.total).toBe("1");
    expect((await page("tariffs/sender")).data).toEqual([]);

    expect((await hub.admin("POST", `/platforms/${id}/resume`)).status).toBe(200);
    const sync = await finishedSync(id, "resume");
    expect(sync.status, JSON.stringify(sync)).toBe("SUCCEEDED");
    expect((await page("locations/sender")).data).toEqual(all);
    expect((await page("tariffs/sender")).data).toEqual(synced.tariffs);

    // A CPO that unregisters is PENDING again: its objects go out of sight too.
    const a = locationOf("NL/CPO", "A1");
    await push("locations", a);
    expect(ids((await page("locations/sender")).data)).toEqual(ids([...all, a]));
    const gone = await cpoA.hubCall("DELETE", `${hub.url}/ocpi/2.2.1/credentials`);
    expect(gone.body.status_code).toBe(1000);
    const platform = await hub.admin("GET", `/platforms/${cpoAId}`);
    expect(platform.body.status).toBe("PENDING");
    expect((await page("locations/sender")).data).toEqual(all);
  });
});

describe("single objects via hub", () => {
  it("answers a location, EVSE, connector and tariff from the cache; unknown ones with 404", async () => {
    const location = locationOf("NL/CPO", "LOC1");
    const tariff = tariffOf("BE/CPB", "T1");
    await push("locations", location);
    await push("locations", locationOf("BE/CPB", "LOC2"));
    await push("tariffs", tariff);
    await push("tariffs", tariffOf("NL/CPO", "T2"));

    const found: [string, string | null, unknown][] = [
      ["locations/sender/LOC1", HUB, location],
      ["locations/sender/LOC1/3257", HUB, location.evses[1]],
      ["locations/sender/LOC1/3256/2", HUB, location.evses[0].connectors[1]],
      ["tariffs/sender/T1", HUB, tariff],
      ["tariffs/sender/T1", null, tariff],
    ];
    for (const [path, to, data] of found) {
      const res = await get(path, to);
      expect(res.status, path).toBe(200);
      expect(res.body.status_code, `${path}: ${JSON.stringify(res.body)}`).toBe(1000);
      expect(res.body.data, path).toEqual(data);
      expectRouting(res.headers, EMSP, HUB, "the answer's");
    }

    const missing: [string, string | null, number][] = [
      ["locations/sender/LOC9", HUB, 2003],
      ["locations/sender/LOC1/9999", HUB, 2003],
      ["locations/sender/LOC1/3256/9", HUB, 2003],
      ["tariffs/sender/T9", HUB, 2000],
      ["tariffs/sender/T9", null, 2000],
    ];
    for (const [path, to, code] of missing) {
      const res = await get(path, to);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.status_code, path).toBe(code);
    }

    // A CPO reads the hub's copy of its own objects through the Receiver interface.
    const own: [string, number, number, unknown][] = [
      ["locations/receiver/NL/CPO/LOC1", 200, 1000, location],
      ["locations/receiver/NL/CPO/LOC1/3256", 200, 1000, location.evses[0]],
      ["locations/receiver/NL/CPO/LOC1/3256/1", 200, 1000, location.evses[0].connectors[0]],
      ["tariffs/receiver/BE/CPB/T1", 200, 1000, tariff],
      ["locations/receiver/NL/CPO/LOC2", 404, 2003, undefined],
      ["locations/receiver/NL/CPO/LOC1/9999", 404, 2003, undefined],
      ["tariffs/receiver/BE/CPB/T2", 404, 2000, undefined],
    ];
    for (const [path, status, code, data] of own) {
      const cpo = path.includes("/NL/CPO/") ? cpoA : cpoB;
      const res = await cpo.hubRoute("GET", `${hub.url}/ocpi/2.2.1/${path}`, { to: HUB });
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.status_code, path).toBe(code);
      if (data === undefined) continue;
      expect(res.body.data, path).toEqual(data);
      expectRouting(
        res.headers,
        path.includes("/NL/CPO/") ? "NL/CPO" : "BE/CPB",
        HUB,
        "the answer's",
      );
    }
    for (const cpo of [cpoA, cpoB]) expect(cpo.moduleRequests()).toEqual([]);
  });

  it("answers 2001 naming both CPOs for a location id cached for two; OCPI-to = one of them asks that CPO", async () => {
    const theirs = locationOf("NL/CPS", "LOC1");
    const { fake: sender } = await connectSender(senderCpoRole, {
      locations: [theirs],
      tariffs: [],
      pageSize: 1000,
    });
    await push("locations", locationOf("BE/CPB", "LOC1"));

    for (const path of ["locations/sender/LOC1", "locations/sender/loc1/3256"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.body.status_code, `${path}: ${JSON.stringify(res.body)}`).toBe(2001);
      expect(res.body.status_message).toMatch(/NL.?CPS/);
      expect(res.body.status_message).toMatch(/BE.?CPB/);
    }

    const seen = sender.moduleRequests("locations", "SENDER").length;
    const direct = await get("locations/sender/LOC1", "NL/CPS");
    expect(direct.body.status_code, JSON.stringify(direct.body)).toBe(1000);
    expect(direct.body.data).toEqual(theirs);
    const asked = sender.moduleRequests("locations", "SENDER").slice(seen);
    expect(asked.map((r) => r.tail)).toEqual(["/LOC1"]);
    expectRouting(direct.headers, EMSP, "NL/CPS", "the answer's");
  });
});

describe("an eMSP following the market", () => {
  it("sees an EVSE status the CPO pushed, with the location's new last_updated, on its next GET all", async () => {
    const a = locationOf("NL/CPO", "LOC1");
    const b = locationOf("BE/CPB", "LOC1");
    await push("locations", a);
    await push("locations", b);
    expect((await page("locations/sender")).data).toEqual([a, b]);

    const status = example("location_patch_example_status.json");
    const seen = emsp.moduleRequests("locations", "RECEIVER").length;
    const res = await cpoA.hubRoute(
      "PATCH",
      `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1/3256`,
      { to: EMSP, body: status },
    );
    expect(res.body.status_code).toBe(1000);
    const got = emsp.moduleRequests("locations", "RECEIVER").slice(seen);
    expect(got.map((r) => [r.method, r.tail, r.body])).toEqual([
      ["PATCH", "/NL/CPO/LOC1/3256", status],
    ]);

    const next = await page("locations/sender");
    expect(next.data).toEqual([
      {
        ...a,
        evses: [
          { ...a.evses[0], status: "CHARGING", last_updated: status.last_updated },
          a.evses[1],
        ],
        last_updated: status.last_updated,
      },
      b,
    ]);
    expect(next.total).toBe("2");
  });
});
