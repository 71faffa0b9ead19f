import { afterEach, describe, expect, it } from "vitest";
import { LocationSchema } from "../../src/ocpi/schemas/locations.js";
import { TariffSchema } from "../../src/ocpi/schemas/tariffs.js";
import { Evse211Schema, Location211Schema } from "../../src/versions/v2_1_1/schemas/locations.js";
import { Tariff211Schema } from "../../src/versions/v2_1_1/schemas/tariffs.js";
import { locationOf, tariffOf } from "../support/cache-fixtures.js";
import {
  eventually,
  type FakePlatform,
  type HubAnswer,
  type Recorded,
} from "../support/fake-platform.js";
import type { Modules, Party } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * Locations and tariffs between OCPI 2.1.1 and 2.2.1 platforms through the
 * hub: a 2.1.1 CPO pushes to /ocpi/2.1.1/{module}, a 2.1.1 eMSP reads
 * from there and gets pushes at its own 2.1.1 endpoints, and each side
 * sees objects of its own version with the fields mapped.
 */

const HUB = "NL/HUB";
const cpo211Role: Party = { role: "CPO", country_code: "BE", party_id: "OLD" };
const emsp211Role: Party = { role: "EMSP", country_code: "DE", party_id: "ELD" };
const cpoRole: Party = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole: Party = { role: "EMSP", country_code: "NL", party_id: "EMS" };

const RECEIVERS: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tariffs", role: "RECEIVER" },
];
const SENDERS: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "tariffs", role: "SENDER" },
];

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

/** A 2.1.1 location in Ghent (no time_zone: the hub derives it) with one EVSE and connector. */
function location211(id: string): any {
  return {
    id,
    type: "ON_STREET",
    name: "Gent Zuid",
    address: "F.Rooseveltlaan 3A",
    city: "Gent",
    postal_code: "9000",
    country: "BEL",
    coordinates: { latitude: "51.047599", longitude: "3.729944" },
    evses: [
      {
        uid: "3256",
        evse_id: "BE*OLD*E3256",
        status: "AVAILABLE",
        capabilities: ["RESERVABLE"],
        connectors: [
          {
            id: "1",
            standard: "IEC_62196_T2",
            format: "CABLE",
            power_type: "AC_3_PHASE",
            voltage: 220,
            amperage: 16,
            tariff_id: "T11",
            last_updated: "2026-01-02T10:00:00Z",
          },
        ],
        last_updated: "2026-01-02T10:00:00Z",
      },
    ],
    last_updated: "2026-01-02T10:00:00Z",
  };
}

/** A 2.1.1 tariff: 0.25 per kWh, as a plain number. */
function tariff211(id: string): any {
  return {
    id,
    currency: "EUR",
    elements: [{ price_components: [{ type: "ENERGY", price: 0.25, step_size: 1 }] }],
    last_updated: "2026-01-02T10:00:00Z",
  };
}

/** A 2.1.1 platform invited and registered over 2.1.1 with the given module endpoints. */
async function connect211(role: Party, modules: Modules): Promise<FakePlatform> {
  const platform = await hub.fake({ roles: [role], ocpiVersions: ["2.1.1"], modules });
  const invited = await hub.invite([role], `${role.role} on 2.1.1`);
  const answer = await platform.register211(invited.versions_url, invited.token_a);
  expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(1000);
  return platform;
}

async function connect221(role: Party, modules: Modules): Promise<FakePlatform> {
  return (await hub.connect([role], { modules })).platform;
}

const at211 = (path: string) => `${hub.url}/ocpi/2.1.1/${path}`;
const at221 = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

/** The requests a platform got at one module's endpoints (not the handshake's, nor a sync's GETs). */
const pushesTo = (platform: FakePlatform, module: string) =>
  platform.requests.filter((r) => r.path.includes(`/${module}`) && r.method !== "GET");

const routingHeadersOf = (headers: Record<string, string> | Headers) => {
  const names =
    headers instanceof Headers
      ? [...headers.keys()]
      : Object.keys(headers).map((n) => n.toLowerCase());
  return names.filter((n) => n.startsWith("ocpi-"));
};

function expectOk(answer: HubAnswer) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(1000);
  expect(routingHeadersOf(answer.headers)).toEqual([]);
}

async function onePush(platform: FakePlatform, module: string, count = 1): Promise<Recorded> {
  await hub.settled();
  const got = await eventually(() => {
    const pushes = pushesTo(platform, module);
    return pushes.length >= count ? pushes : undefined;
  });
  expect(got).toHaveLength(count);
  return got[count - 1] as Recorded;
}

describe("a 2.1.1 CPO and a 2.2.1 eMSP", () => {
  it("exchange a location (PUT, EVSE PATCH, GET all) with its fields mapped", async () => {
    hub = await startHub();
    const emsp = await connect221(emspRole, RECEIVERS);
    const cpo = await connect211(cpo211Role, [{ identifier: "locations", role: "SENDER" }]);

    const put = await cpo.hubCall("PUT", at211("locations/BE/OLD/LOC1"), {
      body: location211("LOC1"),
    });
    expectOk(put);
    const got = await onePush(emsp, "locations");
    expect(got.method).toBe("PUT");
    expect(got.path).toBe("/ocpi/2.2.1/locations/receiver/BE/OLD/LOC1");
    expect(got.headers["ocpi-from-country-code"]).toBe("NL");
    expect(got.headers["ocpi-to-party-id"]).toBe("EMS");
    expect(LocationSchema.safeParse(got.body).success, JSON.stringify(got.body)).toBe(true);
    const location = got.body as any;
    expect(location).toMatchObject({
      country_code: "BE",
      party_id: "OLD",
      id: "LOC1",
      publish: true,
      parking_type: "ON_STREET",
      time_zone: "Europe/Brussels",
    });
    expect(location.evses[0].connectors[0]).toMatchObject({
      tariff_ids: ["T11"],
      max_voltage: 220,
      max_amperage: 16,
    });

    const patch = await cpo.hubCall("PATCH", at211("locations/BE/OLD/LOC1/3256"), {
      body: { status: "CHARGING" },
    });
    expectOk(patch);
    const patched = await onePush(emsp, "locations", 2);
    expect(patched.method).toBe("PATCH");
    expect(patched.path).toBe("/ocpi/2.2.1/locations/receiver/BE/OLD/LOC1/3256");
    expect((patched.body as any).status).toBe("CHARGING");
    // 2.2.1 requires last_updated in a PATCH; the hub gives the time it received it.
    expect(typeof (patched.body as any).last_updated).toBe("string");

    const list = await emsp.hubRoute("GET", at221("locations/sender"), { to: HUB });
    expect(list.body.status_code).toBe(1000);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ id: "LOC1", parking_type: "ON_STREET" });
    expect(list.body.data[0].evses[0].status).toBe("CHARGING");
  });

  it("exchange a tariff, prices as 2.2.1 Prices", async () => {
    hub = await startHub();
    const emsp = await connect221(emspRole, RECEIVERS);
    const cpo = await connect211(cpo211Role, [{ identifier: "tariffs", role: "SENDER" }]);

    expectOk(await cpo.hubCall("PUT", at211("tariffs/BE/OLD/T11"), { body: tariff211("T11") }));
    const got = await onePush(emsp, "tariffs");
    expect(got.method).toBe("PUT");
    expect(got.path).toBe("/ocpi/2.2.1/tariffs/receiver/BE/OLD/T11");
    expect(TariffSchema.safeParse(got.body).success, JSON.stringify(got.body)).toBe(true);
    expect(got.body).toMatchObject({
      country_code: "BE",
      party_id: "OLD",
      id: "T11",
      currency: "EUR",
    });
    expect((got.body as any).elements[0].price_components[0]).toMatchObject({
      type: "ENERGY",
      price: 0.25,
      step_size: 1,
    });

    // 2.1.1 patches a tariff; a 2.2.1 receiver gets the whole patched tariff as a PUT.
    const patch = await cpo.hubCall("PATCH", at211("tariffs/BE/OLD/T11"), {
      body: { currency: "GBP", last_updated: "2026-01-03T10:00:00Z" },
    });
    expectOk(patch);
    const second = await onePush(emsp, "tariffs", 2);
    expect(second.method).toBe("PUT");
    expect(TariffSchema.safeParse(second.body).success).toBe(true);
    expect(second.body).toMatchObject({ id: "T11", currency: "GBP" });
  });

  it("names what translation lost in the answer and the log, and lets the CPO read the hub's copy", async () => {
    hub = await startHub();
    const emsp = await connect221(emspRole, RECEIVERS);
    const cpo = await connect211(cpo211Role, SENDERS);

    const other = { ...location211("LOC4"), type: "OTHER" };
    const put = await cpo.hubCall("PUT", at211("locations/BE/OLD/LOC4"), { body: other });
    expectOk(put);
    expect(put.body.status_message).toMatch(
      /^queued for 1 platform; not carried over in translation: type \(/,
    );
    const logged = hub.logs.find((l) => String(l.msg).startsWith("OCPI 2.1.1 translation:"));
    expect(logged).toMatchObject({ module: "locations", method: "PUT" });
    expect(String(logged?.msg)).toMatch(/not carried over in translation: type \(/);
    const counted = await hub.deps.metrics.registry.getSingleMetricAsString(
      "ocpi_hub_translation_losses_total",
    );
    expect(counted).toContain(
      'ocpi_hub_translation_losses_total{module="locations",field="type"} 1',
    );
    const got = await onePush(emsp, "locations");
    expect(got.body).not.toHaveProperty("parking_type");

    const own = await cpo.hubCall("GET", at211("locations/BE/OLD/LOC4"));
    expectOk(own);
    expect(Location211Schema.safeParse(own.body.data).success).toBe(true);
    expect(own.body.data).toMatchObject({ id: "LOC4", type: "UNKNOWN" });

    expectOk(await cpo.hubCall("PUT", at211("tariffs/BE/OLD/T2"), { body: tariff211("T2") }));
    expectOk(await cpo.hubCall("DELETE", at211("tariffs/BE/OLD/T2")));
    const deleted = await onePush(emsp, "tariffs", 2);
    expect(deleted.method).toBe("DELETE");
    expect(deleted.path).toBe("/ocpi/2.2.1/tariffs/receiver/BE/OLD/T2");
  });

  it("refuses a 2.1.1 body that fails its schema with 2001 naming the field, and delivers nothing", async () => {
    hub = await startHub();
    const emsp = await connect221(emspRole, RECEIVERS);
    const cpo = await connect211(cpo211Role, [{ identifier: "locations", role: "SENDER" }]);

    const { type: _type, ...untyped } = location211("LOC2");
    const answer = await cpo.hubCall("PUT", at211("locations/BE/OLD/LOC2"), { body: untyped });
    expect(answer.body.status_code).toBe(2001);
    expect(answer.body.status_message).toMatch(/^invalid Location \(OCPI 2\.1\.1\).*\btype\b/);
    expect(routingHeadersOf(answer.headers)).toEqual([]);

    // A location in the middle of the sea has no time zone to derive: refused, naming time_zone.
    const atSea = {
      ...location211("LOC3"),
      coordinates: { latitude: "0.000000", longitude: "-30.000000" },
    };
    const sea = await cpo.hubCall("PUT", at211("locations/BE/OLD/LOC3"), { body: atSea });
    expect(sea.body.status_code).toBe(2001);
    expect(sea.body.status_message).toMatch(/time_zone/);

    await hub.settled();
    expect(pushesTo(emsp, "locations")).toEqual([]);
  });
});

describe("a 2.2.1 CPO and a 2.1.1 eMSP", () => {
  it("delivers locations and tariffs as 2.1.1 to its endpoints, without routing headers, and lists them over 2.1.1", async () => {
    hub = await startHub();
    const emsp = await connect211(emsp211Role, RECEIVERS);
    const cpo = await connect221(cpoRole, SENDERS);

    const location = locationOf("NL/CPO", "LOC1");
    const put = await cpo.hubRoute("PUT", at221("locations/receiver/NL/CPO/LOC1"), {
      to: HUB,
      body: location,
    });
    expect(put.body.status_code, JSON.stringify(put.body)).toBe(1000);
    const got = await onePush(emsp, "locations");
    expect(got.method).toBe("PUT");
    expect(got.path).toBe("/ocpi/2.1.1/locations/NL/CPO/LOC1");
    expect(got.token).toBe(emsp.tokenForHub);
    expect(got.headers.authorization).toBe(`Token ${emsp.tokenForHub}`);
    expect(routingHeadersOf(got.headers)).toEqual([]);
    expect(Location211Schema.safeParse(got.body).success, JSON.stringify(got.body)).toBe(true);
    const body = got.body as any;
    expect(body).toMatchObject({
      id: "LOC1",
      type: location.parking_type,
      time_zone: "Europe/Brussels",
    });
    expect(body).not.toHaveProperty("parking_type");
    expect(body.evses[0].connectors[0]).toMatchObject({
      tariff_id: location.evses[0].connectors[0].tariff_ids[0],
      voltage: location.evses[0].connectors[0].max_voltage,
    });

    const patch = await cpo.hubRoute("PATCH", at221("locations/receiver/NL/CPO/LOC1/3256"), {
      to: HUB,
      body: { status: "CHARGING", last_updated: "2026-01-02T11:00:00Z" },
    });
    expect(patch.body.status_code, JSON.stringify(patch.body)).toBe(1000);
    const patched = await onePush(emsp, "locations", 2);
    expect(patched.method).toBe("PATCH");
    expect(patched.path).toBe("/ocpi/2.1.1/locations/NL/CPO/LOC1/3256");
    expect(Evse211Schema.partial().safeParse(patched.body).success).toBe(true);
    expect(patched.body).toMatchObject({ status: "CHARGING" });

    const tariff = tariffOf("NL/CPO", "T1");
    const tput = await cpo.hubRoute("PUT", at221("tariffs/receiver/NL/CPO/T1"), {
      to: HUB,
      body: tariff,
    });
    expect(tput.body.status_code).toBe(1000);
    const tgot = await onePush(emsp, "tariffs");
    expect(tgot.path).toBe("/ocpi/2.1.1/tariffs/NL/CPO/T1");
    expect(Tariff211Schema.safeParse(tgot.body).success, JSON.stringify(tgot.body)).toBe(true);
    expect(tgot.body).not.toHaveProperty("country_code");

    // An unpublished location cannot go over 2.1.1 (it has no publish flag): left out of lists.
    const hidden = { ...locationOf("NL/CPO", "LOC9"), publish: false };
    await cpo.hubRoute("PUT", at221("locations/receiver/NL/CPO/LOC9"), { to: HUB, body: hidden });
    // One without a postal_code, which 2.1.1 requires: not sent to the 2.1.1 eMSP, never retried.
    const { postal_code: _postal, ...unposted } = locationOf("NL/CPO", "LOC8");
    await cpo.hubRoute("PUT", at221("locations/receiver/NL/CPO/LOC8"), { to: HUB, body: unposted });
    await hub.settled();
    expect(emsp.requests.filter((r) => r.path.includes("LOC8"))).toEqual([]);
    const rejected = hub.logs.find(
      (l) => l.path === "/NL/CPO/LOC8" && String(l.msg).startsWith("delivery not accepted"),
    );
    expect(String(rejected?.msg)).toMatch(/postal_code/);
    const unpostedOne = await emsp.hubCall("GET", at211("locations/LOC8"));
    expect(unpostedOne.body.status_code).toBe(2001);
    expect(unpostedOne.body.status_message).toMatch(/postal_code/);

    const list = await emsp.hubCall("GET", at211("locations?offset=0&limit=10"));
    expectOk(list);
    expect(list.body.data.map((l: any) => l.id)).toEqual(["LOC1"]);
    expect(Location211Schema.safeParse(list.body.data[0]).success).toBe(true);
    expect(list.body.data[0].evses[0].status).toBe("CHARGING");
    // X-Limit is the most the hub returns in one page; X-Total-Count what it holds for this reader.
    expect(list.headers.get("x-limit")).toBe("500");
    // LOC8 is counted among the hub's objects but left out of the 2.1.1 page.
    expect(list.headers.get("x-total-count")).toBe("2");

    const one = await emsp.hubCall("GET", at211("locations/LOC1/3256/1"));
    expectOk(one);
    expect(one.body.data).toMatchObject({ id: "1", tariff_id: "11" });

    const refused = await emsp.hubCall("GET", at211("locations/LOC9"));
    expect(refused.body.status_code).toBe(2003);

    const tariffs = await emsp.hubCall("GET", at211("tariffs"));
    expectOk(tariffs);
    expect(tariffs.body.data.map((t: any) => t.id)).toEqual(["T1"]);
    expect(Tariff211Schema.safeParse(tariffs.body.data[0]).success).toBe(true);

    const details = await emsp.hubCall("GET", `${hub.url}/ocpi/2.1.1`);
    expect(details.body.data.endpoints.map((e: any) => e.identifier)).toEqual([
      "credentials",
      "locations",
      "sessions",
      "cdrs",
      "tariffs",
      "tokens",
      "commands",
    ]);
  });
});

describe("a 2.1.1 CPO and a 2.1.1 eMSP", () => {
  it("exchange a location and a tariff, each as 2.1.1", async () => {
    hub = await startHub();
    const emsp = await connect211(emsp211Role, RECEIVERS);
    const cpo = await connect211(cpo211Role, SENDERS);

    expectOk(
      await cpo.hubCall("PUT", at211("locations/BE/OLD/LOC1"), { body: location211("LOC1") }),
    );
    const got = await onePush(emsp, "locations");
    expect(got.path).toBe("/ocpi/2.1.1/locations/BE/OLD/LOC1");
    expect(routingHeadersOf(got.headers)).toEqual([]);
    expect(Location211Schema.safeParse(got.body).success, JSON.stringify(got.body)).toBe(true);
    expect(got.body).toMatchObject({ id: "LOC1", type: "ON_STREET", time_zone: "Europe/Brussels" });
    expect((got.body as any).evses[0].connectors[0].tariff_id).toBe("T11");

    expectOk(await cpo.hubCall("PUT", at211("tariffs/BE/OLD/T11"), { body: tariff211("T11") }));
    const tariff = await onePush(emsp, "tariffs");
    expect(Tariff211Schema.safeParse(tariff.body).success).toBe(true);
    expect((tariff.body as any).elements[0].price_components[0].price).toBe(0.25);
  });
});
