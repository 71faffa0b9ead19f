import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { example } from "../support/examples.js";
import type { FakePlatform, HubAnswer, ModuleRequest } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * CPO pushes to an eMSP through the hub (direct routing) as they update the
 * hub's copy of locations and tariffs. The copy is checked through the hub's
 * own reads: GET all and single objects with OCPI-to = the hub.
 */

const HUB = "NL/HUB";
const EMSP = "DE/EMS";
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const otherCpoRole = { role: "CPO", country_code: "BE", party_id: "CPB" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };

/** A deep copy, so that no test changes another's objects. */
const copy = <T>(value: T): T => structuredClone(value);

/**
 * The spec's example location as NL/CPO's LOC1. Its timestamps: location
 * 2015-06-29T20:39:09Z; EVSE 3256 2015-06-28T08:12:01Z (connectors 1:
 * 2015-03-16T10:10:02Z, 2: 2015-03-18T08:12:01Z); EVSE 3257
 * 2015-06-29T20:39:09Z (connector 1 likewise).
 */
const location = (() => {
  const l = example("location_example.json");
  l.country_code = "NL";
  l.party_id = "CPO";
  l.id = "LOC1";
  l.evses[0].evse_id = "NL*CPO*E041503001";
  l.evses[1].evse_id = "NL*CPO*E041503002";
  return l;
})();
const evse3256 = location.evses[0];
const evse3257 = location.evses[1];

const tariff = { ...example("tariff_1_simple_2hour.json"), country_code: "NL", party_id: "CPO" };

let hub: TestHub;
let cpo: FakePlatform;
let emsp: FakePlatform;

beforeEach(async () => {
  hub = await startHub();
  // No locations or tariffs Sender: the hub has nothing to pull, so no sync gets in the way.
  ({ platform: cpo } = await hub.connect([cpoRole], { name: "CPO platform", modules: [] }));
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

/** `locations/receiver/NL/CPO/LOC1` → module, interface and tail as the eMSP sees them. */
function splitPath(path: string) {
  const [module, iface, ...rest] = path.split("/") as [string, string, ...string[]];
  return { module, role: iface.toUpperCase(), tail: rest.length === 0 ? "" : `/${rest.join("/")}` };
}

/**
 * A push from a CPO to the eMSP through the hub. The eMSP must get it once,
 * with the same method, path and bytes (pretty-printed, so a re-serialized
 * body would differ in length), and the CPO gets the eMSP's 1000.
 */
async function push(
  method: "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  from: FakePlatform = cpo,
): Promise<HubAnswer> {
  const raw = body === undefined ? undefined : JSON.stringify(body, null, 2);
  const seen = emsp.moduleRequests().length;
  const answer = await from.hubRoute(method, `${hub.url}/ocpi/2.2.1/${path}`, {
    to: EMSP,
    rawBody: raw,
  });
  const got = emsp.moduleRequests().slice(seen);
  expect(got, `requests at the eMSP; the hub answered ${JSON.stringify(answer.body)}`).toHaveLength(
    1,
  );
  const request = got[0] as ModuleRequest;
  const { module, role, tail } = splitPath(path);
  expect([request.method, request.module, request.role, request.tail]).toEqual([
    method,
    module,
    role,
    tail,
  ]);
  if (raw === undefined) {
    expect(request.body).toBeUndefined();
  } else {
    expect(request.body).toEqual(body);
    expect(request.headers["content-length"]).toBe(String(Buffer.byteLength(raw)));
  }
  expect(answer.status).toBe(200);
  expect(answer.body.status_code).toBe(1000);
  return answer;
}

/** A push the hub must refuse itself: nothing reaches the eMSP. */
async function refused(method: "PUT" | "PATCH", path: string, body: unknown): Promise<HubAnswer> {
  const seen = emsp.moduleRequests().length;
  const answer = await cpo.hubRoute(method, `${hub.url}/ocpi/2.2.1/${path}`, {
    to: EMSP,
    body,
  });
  expect(emsp.moduleRequests().slice(seen), "requests at the eMSP").toEqual([]);
  return answer;
}

/** The eMSP's GET with OCPI-to = the hub; the answer must be a 1000. */
async function hubRead(path: string): Promise<any> {
  const res = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/${path}`, { to: HUB });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res.body.data;
}

/** Every cached location (or tariff) as GET all shows it. */
const all = (module: "locations" | "tariffs"): Promise<any[]> => hubRead(`${module}/sender`);

/**
 * The one cached location, as GET all, the single GET of the eMSP and the
 * CPO's GET of the hub's copy all show it.
 */
async function cachedLocation(id = "LOC1"): Promise<any> {
  const list = await all("locations");
  expect(list).toHaveLength(1);
  const single = await hubRead(`locations/sender/${id}`);
  expect(single).toEqual(list[0]);
  const own = await cpo.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/receiver/NL/CPO/${id}`, {
    to: HUB,
  });
  expect(own.body.status_code, JSON.stringify(own.body)).toBe(1000);
  expect(own.body.data).toEqual(list[0]);
  return list[0];
}

describe("PUT", () => {
  it("of a Location caches the whole object; a later PUT replaces it, fields left out included", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);
    expect(await cachedLocation()).toEqual(location);

    const { name: _name, operator: _operator, postal_code: _postal, ...rest } = copy(location);
    const replacement = {
      ...rest,
      city: "Antwerpen",
      evses: [{ ...copy(evse3257), status: "AVAILABLE" }],
      last_updated: "2015-07-01T00:00:00Z",
    };
    await push("PUT", "locations/receiver/NL/CPO/LOC1", replacement);
    const cached = await cachedLocation();
    expect(cached).toEqual(replacement);
    expect(cached).not.toHaveProperty("name");
    expect(cached).not.toHaveProperty("operator");
  });

  it("of an EVSE replaces the EVSE with that uid or appends a new one, and lifts the location's last_updated", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);

    const { physical_reference: _ref, ...bare } = copy(evse3256);
    const replaced = {
      ...bare,
      status: "CHARGING",
      connectors: [copy(evse3256.connectors[0])],
      last_updated: "2019-01-01T00:00:00Z",
    };
    await push("PUT", "locations/receiver/NL/CPO/LOC1/3256", replaced);
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [replaced, evse3257],
      last_updated: "2019-01-01T00:00:00Z",
    });

    const added = {
      ...copy(evse3257),
      uid: "3258",
      evse_id: "NL*CPO*E041503003",
      status: "AVAILABLE",
      last_updated: "2019-02-01T00:00:00Z",
    };
    await push("PUT", "locations/receiver/NL/CPO/LOC1/3258", added);
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [replaced, evse3257, added],
      last_updated: "2019-02-01T00:00:00Z",
    });
    expect(await hubRead("locations/sender/LOC1/3258")).toEqual(added);
    expect(await hubRead("locations/sender/LOC1/3256")).toEqual(replaced);
  });

  it("of a Connector replaces or appends it in its EVSE and lifts the EVSE's and the location's last_updated", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);

    const changed = {
      ...copy(evse3256.connectors[1]),
      max_amperage: 32,
      last_updated: "2019-03-01T00:00:00Z",
    };
    await push("PUT", "locations/receiver/NL/CPO/LOC1/3256/2", changed);
    const first = {
      ...evse3256,
      connectors: [evse3256.connectors[0], changed],
      last_updated: "2019-03-01T00:00:00Z",
    };
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [first, evse3257],
      last_updated: "2019-03-01T00:00:00Z",
    });

    const added = {
      ...copy(evse3256.connectors[0]),
      id: "3",
      last_updated: "2019-04-01T00:00:00Z",
    };
    await push("PUT", "locations/receiver/NL/CPO/LOC1/3256/3", added);
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [
        { ...first, connectors: [...first.connectors, added], last_updated: added.last_updated },
        evse3257,
      ],
      last_updated: "2019-04-01T00:00:00Z",
    });
    expect(await hubRead("locations/sender/LOC1/3256/3")).toEqual(added);
    expect(await hubRead("locations/sender/LOC1/3256/2")).toEqual(changed);
  });
});

describe("PATCH", () => {
  it("of a Location merges the given fields and keeps the others; an array given replaces the array", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);

    const rename = example("location_patch_example_location.json");
    await push("PATCH", "locations/receiver/NL/CPO/LOC1", rename);
    const renamed = { ...location, name: rename.name, last_updated: rename.last_updated };
    expect(await cachedLocation()).toEqual(renamed);

    const arrays = {
      evses: [copy(evse3257)],
      facilities: ["CAFE"],
      last_updated: "2019-07-01T00:00:00Z",
    };
    await push("PATCH", "locations/receiver/NL/CPO/LOC1", arrays);
    expect(await cachedLocation()).toEqual({ ...renamed, ...arrays });
    expect(await hubRead("locations/sender/LOC1/3257")).toEqual(evse3257);
  });

  it("of an EVSE merges its fields (status, a connectors array that replaces the old one) and lifts the location's last_updated", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);

    const charging = example("location_patch_example_status.json");
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", charging);
    const patched = { ...evse3256, status: "CHARGING", last_updated: charging.last_updated };
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [patched, evse3257],
      last_updated: charging.last_updated,
    });

    const connectors = {
      connectors: [copy(evse3256.connectors[1])],
      last_updated: "2019-06-25T00:00:00Z",
    };
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", connectors);
    const reconnected = { ...patched, ...connectors };

    const removed = example("location_patch_example_remove_evse.json");
    removed.last_updated = "2019-06-26T00:00:00Z";
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3257", removed);
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [reconnected, { ...evse3257, status: "REMOVED", last_updated: removed.last_updated }],
      last_updated: removed.last_updated,
    });
    expect(await hubRead("locations/sender/LOC1/3256")).toEqual(reconnected);
  });

  it("of a Connector merges its fields and lifts the EVSE's and the location's last_updated", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);

    const tariffs = example("location_patch_example_tariff.json");
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256/1", tariffs);
    const connector = {
      ...evse3256.connectors[0],
      tariff_ids: ["15"],
      last_updated: tariffs.last_updated,
    };
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [
        {
          ...evse3256,
          connectors: [connector, evse3256.connectors[1]],
          last_updated: tariffs.last_updated,
        },
        evse3257,
      ],
      last_updated: tariffs.last_updated,
    });
    expect(await hubRead("locations/sender/LOC1/3256/1")).toEqual(connector);
  });
});

describe("last_updated", () => {
  it("of a child never moves a parent backwards; a newer child lifts all its parents", async () => {
    const recent = { ...copy(location), last_updated: "2020-01-01T00:00:00Z" };
    await push("PUT", "locations/receiver/NL/CPO/LOC1", recent);

    // Newer than the EVSE, older than the location: the location keeps its value.
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
      status: "CHARGING",
      last_updated: "2019-06-24T12:39:09Z",
    });
    const evse = { ...evse3256, status: "CHARGING", last_updated: "2019-06-24T12:39:09Z" };
    expect(await cachedLocation()).toEqual({ ...recent, evses: [evse, evse3257] });

    // Newer than the connector, older than its EVSE and location: both keep theirs.
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256/1", {
      max_amperage: 32,
      last_updated: "2016-01-01T00:00:00Z",
    });
    const connector = {
      ...evse3256.connectors[0],
      max_amperage: 32,
      last_updated: "2016-01-01T00:00:00Z",
    };
    const evseWithConnector = { ...evse, connectors: [connector, evse3256.connectors[1]] };
    expect(await cachedLocation()).toEqual({ ...recent, evses: [evseWithConnector, evse3257] });

    // Newer than everything: connector, EVSE and location all take its value.
    const newest = { ...copy(evse3257.connectors[0]), last_updated: "2021-01-01T00:00:00Z" };
    await push("PUT", "locations/receiver/NL/CPO/LOC1/3257/1", newest);
    expect(await cachedLocation()).toEqual({
      ...recent,
      evses: [
        evseWithConnector,
        { ...evse3257, connectors: [newest], last_updated: "2021-01-01T00:00:00Z" },
      ],
      last_updated: "2021-01-01T00:00:00Z",
    });
  });

  it("older than the object it addresses: the push is forwarded but not applied, at every level below the location", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);
    await push("PUT", "tariffs/receiver/NL/CPO/12", tariff);
    const locations = await all("locations");
    const tariffs = await all("tariffs");
    expect(locations).toEqual([location]);
    expect(tariffs).toEqual([tariff]);

    const stale: [string, string, unknown][] = [
      [
        "PUT",
        "locations/receiver/NL/CPO/LOC1",
        { ...copy(location), name: "Old", last_updated: "2015-06-01T00:00:00Z" },
      ],
      [
        "PUT",
        "locations/receiver/NL/CPO/LOC1/3256",
        { ...copy(evse3256), status: "OUTOFORDER", last_updated: "2015-06-01T00:00:00Z" },
      ],
      [
        "PATCH",
        "locations/receiver/NL/CPO/LOC1/3256",
        { status: "OUTOFORDER", last_updated: "2015-06-01T00:00:00Z" },
      ],
      [
        "PATCH",
        "locations/receiver/NL/CPO/LOC1/3256",
        { physical_reference: "9", floor_level: "3", last_updated: "2015-06-01T00:00:00Z" },
      ],
      [
        "PUT",
        "locations/receiver/NL/CPO/LOC1/3256/1",
        { ...copy(evse3256.connectors[0]), max_amperage: 99, last_updated: "2015-03-01T00:00:00Z" },
      ],
      [
        "PATCH",
        "locations/receiver/NL/CPO/LOC1/3256/1",
        { max_amperage: 99, last_updated: "2015-03-01T00:00:00Z" },
      ],
      [
        "PUT",
        "tariffs/receiver/NL/CPO/12",
        { ...copy(tariff), currency: "CHF", last_updated: "2015-01-01T00:00:00Z" },
      ],
    ];
    // Each case on its own: a stale push that was applied is put back by a fresh PUT.
    for (const [method, path, body] of stale) {
      await push(method as "PUT" | "PATCH", path, body);
      const what = `after ${method} ${path} ${JSON.stringify(body).slice(0, 60)}`;
      expect.soft(await all("locations"), what).toEqual(locations);
      expect.soft(await all("tariffs"), what).toEqual(tariffs);
      await push("PUT", "locations/receiver/NL/CPO/LOC1", location);
      await push("PUT", "tariffs/receiver/NL/CPO/12", tariff);
    }
  });

  it("a location PATCH older than the location applies, without moving its last_updated backwards", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);
    // Its last_updated also moves with every EVSE status, so it cannot tell whether the name is new.
    await push("PATCH", "locations/receiver/NL/CPO/LOC1", {
      name: "Late rename",
      last_updated: "2015-06-01T00:00:00Z",
    });
    expect(await cachedLocation()).toEqual({ ...location, name: "Late rename" });
  });

  it("compares instants, not text: fractions of a second count", async () => {
    const precise = { ...copy(location), last_updated: "2020-01-01T10:00:00.500Z" };
    await push("PUT", "locations/receiver/NL/CPO/LOC1", precise);

    // Half a second older, though "…00Z" sorts after "…00.500Z" as text.
    await push("PUT", "locations/receiver/NL/CPO/LOC1", {
      ...copy(location),
      name: "Stale",
      last_updated: "2020-01-01T10:00:00Z",
    });
    expect(await cachedLocation()).toEqual(precise);

    // An EVSE update of that instant applies to the EVSE, but must not lower the location's value.
    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
      status: "BLOCKED",
      last_updated: "2020-01-01T10:00:00Z",
    });
    const blocked = { ...evse3256, status: "BLOCKED", last_updated: "2020-01-01T10:00:00Z" };
    expect(await cachedLocation()).toEqual({ ...precise, evses: [blocked, evse3257] });

    await push("PATCH", "locations/receiver/NL/CPO/LOC1", {
      name: "Fresh",
      last_updated: "2020-01-01T10:00:00.75Z",
    });
    expect(await cachedLocation()).toEqual({
      ...precise,
      evses: [blocked, evse3257],
      name: "Fresh",
      last_updated: "2020-01-01T10:00:00.75Z",
    });
  });
});

/**
 * The location cached, then EVSE 3256 CHARGING by a status change newer
 * than the location: the change and the location as the cache then holds it.
 */
async function cachedWithCharging() {
  await push("PUT", "locations/receiver/NL/CPO/LOC1", location);
  const charging = { status: "CHARGING", last_updated: "2019-06-24T12:39:09Z" };
  await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", charging);
  const withCharging = {
    ...location,
    evses: [{ ...evse3256, ...charging }, evse3257],
    last_updated: charging.last_updated,
  };
  return { charging, withCharging };
}

describe("EVSE status changes", () => {
  it("give way to a newer PUT of the EVSE or the location and to a PATCH that replaces the evses array, not to an older PUT", async () => {
    const { withCharging } = await cachedWithCharging();
    expect(await cachedLocation()).toEqual(withCharging);

    // Newer than the EVSE's document, older than its status change: stale.
    await push("PUT", "locations/receiver/NL/CPO/LOC1/3256", {
      ...copy(evse3256),
      status: "OUTOFORDER",
      last_updated: "2019-01-01T00:00:00Z",
    });
    expect(await cachedLocation()).toEqual(withCharging);

    const evse = { ...copy(evse3256), status: "AVAILABLE", last_updated: "2019-07-01T00:00:00Z" };
    await push("PUT", "locations/receiver/NL/CPO/LOC1/3256", evse);
    expect(await cachedLocation()).toEqual({
      ...location,
      evses: [evse, evse3257],
      last_updated: evse.last_updated,
    });

    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
      status: "BLOCKED",
      last_updated: "2019-08-01T00:00:00Z",
    });
    // The whole location, newer than all of it: exactly what was PUT, EVSE 3256 AVAILABLE again.
    const replaced = { ...copy(location), last_updated: "2020-01-01T00:00:00Z" };
    await push("PUT", "locations/receiver/NL/CPO/LOC1", replaced);
    expect(await cachedLocation()).toEqual(replaced);

    await push("PATCH", "locations/receiver/NL/CPO/LOC1/3256", {
      status: "CHARGING",
      last_updated: "2020-02-01T00:00:00Z",
    });
    const evses = { evses: [copy(evse3256), copy(evse3257)], last_updated: "2020-03-01T00:00:00Z" };
    await push("PATCH", "locations/receiver/NL/CPO/LOC1", evses);
    expect(await cachedLocation()).toEqual({ ...replaced, ...evses });
  });
});

describe("a whole location's PUT", () => {
  it("is older than a status change that lifted the location: stale, the status stays", async () => {
    const { charging, withCharging } = await cachedWithCharging();
    // Newer than the location's own document, older than the status change laid over it.
    await push("PUT", "locations/receiver/NL/CPO/LOC1", {
      ...copy(location),
      name: "Between",
      last_updated: "2018-01-01T00:00:00Z",
    });
    expect(await cachedLocation()).toEqual(withCharging);
    // As new as the status change: it applies, and the status goes with the old document.
    const same = { ...copy(location), name: "Same instant", last_updated: charging.last_updated };
    await push("PUT", "locations/receiver/NL/CPO/LOC1", same);
    expect(await cachedLocation()).toEqual(same);
  });
});

describe("unknown objects", () => {
  const connector = evse3256.connectors[0];
  const patch = { status: "CHARGING", last_updated: "2019-06-24T12:39:09Z" };
  it("a PATCH of an unknown location, EVSE or connector, or a PUT into an unknown parent → HTTP 404 + 2003 naming it, not forwarded, cache unchanged", async () => {
    await push("PUT", "locations/receiver/NL/CPO/LOC1", location);
    const cases: [string, "PUT" | "PATCH", string, unknown, string][] = [
      ["PATCH of an unknown location", "PATCH", "NL/CPO/LOC9", patch, "LOC9"],
      ["PATCH of an unknown EVSE", "PATCH", "NL/CPO/LOC1/E-NONE", patch, "E-NONE"],
      [
        "PATCH of an unknown connector",
        "PATCH",
        "NL/CPO/LOC1/3256/C-NONE",
        { max_amperage: 32, last_updated: "2019-06-24T12:39:09Z" },
        "C-NONE",
      ],
      [
        "PUT of an EVSE into an unknown location",
        "PUT",
        "NL/CPO/LOC9/3258",
        { ...evse3257, uid: "3258", last_updated: "2019-06-24T12:39:09Z" },
        "LOC9",
      ],
      [
        "PUT of a connector into an unknown EVSE",
        "PUT",
        "NL/CPO/LOC1/E-NONE/1",
        { ...connector, last_updated: "2019-06-24T12:39:09Z" },
        "E-NONE",
      ],
      [
        "PUT of a connector into an unknown location",
        "PUT",
        "NL/CPO/LOC9/3256/1",
        { ...connector, last_updated: "2019-06-24T12:39:09Z" },
        "LOC9",
      ],
    ];
    for (const [what, method, tail, body, name] of cases) {
      const answer = await refused(method, `locations/receiver/${tail}`, body);
      expect.soft(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(404);
      expect.soft(answer.body.status_code, what).toBe(2003);
      expect.soft(answer.body.status_message, what).toContain(name);
      expect.soft(await cachedLocation(), what).toEqual(location);
    }
    const missing = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/locations/sender/LOC9`, {
      to: HUB,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.status_code).toBe(2003);
  });

  it("a location of another CPO with the same id is not a match: 404 + 2003, nothing forwarded", async () => {
    const { platform: other } = await hub.connect([otherCpoRole], {
      name: "Other CPO platform",
      modules: [],
    });
    const theirs = { ...copy(location), country_code: "BE", party_id: "CPB", id: "LOC7" };
    await push("PUT", "locations/receiver/BE/CPB/LOC7", theirs, other);

    const answer = await refused("PATCH", "locations/receiver/NL/CPO/LOC7", {
      name: "Not mine",
      last_updated: "2019-06-24T12:39:09Z",
    });
    expect(answer.status).toBe(404);
    expect(answer.body.status_code).toBe(2003);
    expect(answer.body.status_message).toContain("LOC7");
    expect(await all("locations")).toEqual([theirs]);
  });
});

describe("tariffs", () => {
  it("PUT caches a tariff, a later PUT replaces it in place, DELETE removes it; all forwarded", async () => {
    const simple = { ...copy(tariff), id: "T1" };
    const complex = {
      ...example("tariff_4_complex.json"),
      country_code: "NL",
      party_id: "CPO",
      id: "T2",
    };
    await push("PUT", "tariffs/receiver/NL/CPO/T1", simple);
    await push("PUT", "tariffs/receiver/NL/CPO/T2", complex);
    expect(await all("tariffs")).toEqual([simple, complex]);
    expect(await hubRead("tariffs/sender/T1")).toEqual(simple);

    const { elements: _elements, ...head } = copy(simple);
    const replaced = {
      ...head,
      currency: "CHF",
      elements: [{ price_components: [{ type: "ENERGY", price: 0.3, step_size: 1 }] }],
      last_updated: "2016-01-01T00:00:00Z",
    };
    await push("PUT", "tariffs/receiver/NL/CPO/T1", replaced);
    expect(await all("tariffs")).toEqual([replaced, complex]);

    await push("DELETE", "tariffs/receiver/NL/CPO/T1");
    expect(await all("tariffs")).toEqual([complex]);
    const gone = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/tariffs/sender/T1`, {
      to: HUB,
    });
    expect(gone.status).toBe(404);
    expect(gone.body.status_code).toBe(2000);
    const own = await cpo.hubRoute("GET", `${hub.url}/ocpi/2.2.1/tariffs/receiver/NL/CPO/T1`, {
      to: HUB,
    });
    expect(own.status).toBe(404);
    expect(own.body.status_code).toBe(2000);
    const kept = await cpo.hubRoute("GET", `${hub.url}/ocpi/2.2.1/tariffs/receiver/NL/CPO/T2`, {
      to: HUB,
    });
    expect(kept.body.status_code).toBe(1000);
    expect(kept.body.data).toEqual(complex);
  });
});

describe("ids and codes", () => {
  it("compare case-insensitively in URLs and bodies", async () => {
    const mixed = {
      ...copy(location),
      id: "Loc-a1",
      evses: [
        {
          ...copy(evse3256),
          uid: "Evse-x",
          connectors: [{ ...copy(evse3256.connectors[0]), id: "Con-1" }],
        },
      ],
    };
    await push("PUT", "locations/receiver/NL/CPO/Loc-a1", mixed);

    await push("PATCH", "locations/receiver/nl/cpo/LOC-A1/EVSE-X/con-1", {
      max_amperage: 32,
      last_updated: "2019-01-01T00:00:00Z",
    });
    await push("PATCH", "locations/receiver/NL/CPO/loc-A1/evse-X", {
      status: "CHARGING",
      last_updated: "2019-01-02T00:00:00Z",
    });
    const patchedEvse = {
      ...mixed.evses[0],
      status: "CHARGING",
      connectors: [
        { ...mixed.evses[0].connectors[0], max_amperage: 32, last_updated: "2019-01-01T00:00:00Z" },
      ],
      last_updated: "2019-01-02T00:00:00Z",
    };
    const patched = { ...mixed, evses: [patchedEvse], last_updated: "2019-01-02T00:00:00Z" };
    expect(await cachedLocation("LOC-A1")).toEqual(patched);
    expect(await hubRead("locations/sender/loc-a1/EVSE-X/CON-1")).toEqual(
      patchedEvse.connectors[0],
    );

    // The same location under another spelling of its id replaces it.
    const respelled = { ...copy(patched), id: "LOC-A1", last_updated: "2019-02-01T00:00:00Z" };
    await push("PUT", "locations/receiver/NL/CPO/LOC-A1", respelled);
    expect(await cachedLocation("loc-a1")).toEqual(respelled);

    const lower = { ...copy(tariff), id: "Tar-1" };
    const upper = { ...copy(tariff), id: "TAR-1", last_updated: "2016-01-01T00:00:00Z" };
    await push("PUT", "tariffs/receiver/NL/CPO/Tar-1", lower);
    await push("PUT", "tariffs/receiver/NL/CPO/TAR-1", upper);
    expect(await all("tariffs")).toEqual([upper]);
    expect(await hubRead("tariffs/sender/tar-1")).toEqual(upper);
    await push("DELETE", "tariffs/receiver/nl/cpo/tar-1");
    expect(await all("tariffs")).toEqual([]);
  });
});
