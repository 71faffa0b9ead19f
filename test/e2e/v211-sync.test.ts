import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocationSchema } from "../../src/ocpi/schemas/locations.js";
import { TariffSchema } from "../../src/ocpi/schemas/tariffs.js";
import { Location211Schema } from "../../src/versions/v2_1_1/schemas/locations.js";
import { Tariff211Schema } from "../../src/versions/v2_1_1/schemas/tariffs.js";
import { eventually, type FakePlatform, type ModuleRequest } from "../support/fake-platform.js";
import type { Modules, Party } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * The hub's pull of a CPO registered over OCPI 2.1.1: it reads the CPO's
 * 2.1.1 lists page by page without routing headers, and its cache holds
 * the 2.2.1 objects they translate to, owned by the CPO's one party; an
 * object that fails the 2.1.1 schema or cannot be translated is left out
 * and reported, the rest stored.
 */

const HUB = "NL/HUB";
const cpo211Role: Party = { role: "CPO", country_code: "BE", party_id: "OLD" };
const emspRole: Party = { role: "EMSP", country_code: "NL", party_id: "EMS" };
const SENDERS: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "tariffs", role: "SENDER" },
];
const RECEIVERS: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tariffs", role: "RECEIVER" },
];
const UPDATED = "2026-01-02T10:00:00Z";

/** A 2.1.1 location without time_zone, at the given coordinates, with one EVSE and connector. */
function location211(id: string, latitude = "51.047599", longitude = "3.729944"): any {
  return {
    id,
    type: "ON_STREET",
    name: `Station ${id}`,
    address: "F.Rooseveltlaan 3A",
    city: "Gent",
    postal_code: "9000",
    country: "BEL",
    coordinates: { latitude, longitude },
    evses: [
      {
        uid: `${id}-E1`,
        evse_id: `BE*OLD*E${id}`,
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
            tariff_id: "T1",
            last_updated: UPDATED,
          },
        ],
        last_updated: UPDATED,
      },
    ],
    last_updated: UPDATED,
  };
}

/** L1 as the hub must hold it in 2.2.1: every field mapped, nothing added. */
const L1_221 = {
  country_code: "BE",
  party_id: "OLD",
  id: "L1",
  publish: true,
  parking_type: "ON_STREET",
  name: "Station L1",
  address: "F.Rooseveltlaan 3A",
  city: "Gent",
  postal_code: "9000",
  country: "BEL",
  coordinates: { latitude: "51.047599", longitude: "3.729944" },
  time_zone: "Europe/Brussels",
  evses: [
    {
      uid: "L1-E1",
      evse_id: "BE*OLD*EL1",
      status: "AVAILABLE",
      capabilities: ["RESERVABLE"],
      connectors: [
        {
          id: "1",
          standard: "IEC_62196_T2",
          format: "CABLE",
          power_type: "AC_3_PHASE",
          max_voltage: 220,
          max_amperage: 16,
          tariff_ids: ["T1"],
          last_updated: UPDATED,
        },
      ],
      last_updated: UPDATED,
    },
  ],
  last_updated: UPDATED,
};

/** A 2.1.1 tariff: a price per kWh, as a plain number. */
const tariff211 = (id: string, price: number): any => ({
  id,
  currency: "EUR",
  elements: [{ price_components: [{ type: "ENERGY", price, step_size: 1 }] }],
  last_updated: UPDATED,
});

/** What the fake 2.1.1 CPO lists, `pageSize` objects a page. */
interface Catalogue {
  locations: any[];
  tariffs: any[];
  pageSize: number;
}

let hub: TestHub;
let emsp: FakePlatform;

beforeEach(async () => {
  hub = await startHub();
  ({ platform: emsp } = await hub.connect([emspRole], { modules: RECEIVERS }));
});

afterEach(async () => {
  await hub?.close();
});

/** Lets a 2.1.1 CPO answer list GETs at /ocpi/2.1.1/{module} from `cat`, with its own Links. */
function serveCatalogue(fake: FakePlatform, cat: Catalogue): void {
  fake.on((req) => {
    if (req.method !== "GET" || req.tail !== "") return undefined;
    const list = req.module === "locations" ? cat.locations : cat.tariffs;
    const offset = Number(req.query.get("offset") ?? "0");
    const limit = Math.min(Number(req.query.get("limit") ?? cat.pageSize), cat.pageSize);
    const headers: Record<string, string> = {
      "X-Total-Count": String(list.length),
      "X-Limit": String(cat.pageSize),
    };
    if (offset + limit < list.length) {
      const next = `${fake.url}/ocpi/2.1.1/${req.module}?offset=${offset + limit}&limit=${limit}`;
      headers.Link = `<${next}>; rel="next"`;
    }
    return { body: fake.envelope(list.slice(offset, offset + limit)), headers };
  });
}

/** A 2.1.1 CPO serving `cat`, invited and registered over 2.1.1; the hub starts its sync then. */
async function connectCpo211(cat: Catalogue): Promise<{ fake: FakePlatform; id: string }> {
  const fake = await hub.fake({ roles: [cpo211Role], ocpiVersions: ["2.1.1"], modules: SENDERS });
  serveCatalogue(fake, cat);
  const invited = await hub.invite([cpo211Role], "CPO on 2.1.1");
  const answer = await fake.register211(invited.versions_url, invited.token_a);
  expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(1000);
  return { fake, id: invited.id };
}

/** The platform's sync once one started by `trigger` has ended. */
async function finished(id: string, trigger: string): Promise<any> {
  return eventually(async () => {
    const sync = (await hub.admin("GET", `/platforms/${id}`)).body.sync;
    return sync && sync.trigger === trigger && sync.status !== "RUNNING" ? sync : undefined;
  }, 20_000);
}

/** GET all via the hub by the 2.2.1 eMSP, as one page. */
async function cached(module: "locations" | "tariffs"): Promise<any[]> {
  const res = await emsp.hubRoute("GET", `${hub.url}/ocpi/2.2.1/${module}/sender`, { to: HUB });
  expect(res.body.status_code, JSON.stringify(res.body)).toBe(1000);
  return res.body.data;
}

/** The hub's list GETs at the fake's 2.1.1 endpoints, in order. */
const pulls = (fake: FakePlatform): ModuleRequest[] =>
  fake.moduleRequests().filter((r) => r.method === "GET" && r.tail === "");

const skippedLogs = () => hub.logs.filter((l) => l.msg === "cache sync skipped an object");

describe("sync of a CPO registered over 2.1.1", () => {
  it("pulls every 2.1.1 page without routing headers and stores valid 2.2.1 objects; a bad object is reported and left out", async () => {
    const untyped = location211("BAD1");
    delete untyped.type;
    // Mid-Atlantic: no country's time zone, so 2.2.1's required time_zone cannot be derived.
    const atSea = location211("SEA", "30.000000", "-40.000000");
    const lost = {
      ...location211("L2", "52.370216", "4.895168"),
      type: "OTHER",
      city: "Amsterdam",
    };
    const given = { ...location211("L3", "48.856613", "2.352222"), time_zone: "Europe/Paris" };
    const cat: Catalogue = {
      locations: [location211("L1"), untyped, lost, atSea, given, location211("L4")],
      tariffs: [tariff211("T1", 0.25), tariff211("T2", 0.3)],
      pageSize: 2,
    };
    for (const l of [location211("L1"), lost, atSea, given])
      expect(Location211Schema.safeParse(l).success).toBe(true);
    for (const t of cat.tariffs) expect(Tariff211Schema.safeParse(t).success).toBe(true);

    const { fake, id } = await connectCpo211(cat);
    const sync = await finished(id, "connect");
    expect(sync, JSON.stringify(sync)).toMatchObject({
      status: "SUCCEEDED",
      error: null,
      pages: 4,
      locations: 4,
      tariffs: 2,
      skipped: 2,
      removed: 0,
    });

    // The 2.1.1 endpoints, their pagination followed, the token raw, no OCPI-* headers.
    const requests = pulls(fake);
    expect(requests.map((r) => r.path + (r.query.size > 0 ? `?${r.query}` : ""))).toEqual([
      "/ocpi/2.1.1/locations?offset=0&limit=1000",
      "/ocpi/2.1.1/locations?offset=2&limit=2",
      "/ocpi/2.1.1/locations?offset=4&limit=2",
      "/ocpi/2.1.1/tariffs?offset=0&limit=1000",
    ]);
    for (const r of requests) {
      expect(r.headers.authorization).toBe(`Token ${fake.tokenForHub}`);
      expect(Object.keys(r.headers).filter((h) => h.startsWith("ocpi-"))).toEqual([]);
      expect(r.headers["x-correlation-id"]).toMatch(/\S/);
    }

    const locations = await cached("locations");
    expect(locations.map((l) => l.id)).toEqual(["L1", "L2", "L3", "L4"]);
    for (const l of locations) {
      const parsed = LocationSchema.safeParse(l);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(l).toMatchObject({ country_code: "BE", party_id: "OLD", publish: true });
    }
    expect(locations[0]).toEqual(L1_221);
    // Derived from the coordinates when absent, kept when given.
    expect(locations.map((l) => l.time_zone)).toEqual([
      "Europe/Brussels",
      "Europe/Amsterdam",
      "Europe/Paris",
      "Europe/Brussels",
    ]);
    // OTHER has no 2.2.1 parking_type: left out, not guessed.
    expect(locations[1]).not.toHaveProperty("parking_type");
    expect(locations[1].city).toBe("Amsterdam");

    const tariffs = await cached("tariffs");
    expect(tariffs).toHaveLength(2);
    for (const t of tariffs) {
      const parsed = TariffSchema.safeParse(t);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
    expect(tariffs[0]).toEqual({
      country_code: "BE",
      party_id: "OLD",
      id: "T1",
      currency: "EUR",
      elements: [{ price_components: [{ type: "ENERGY", price: 0.25, step_size: 1 }] }],
      last_updated: UPDATED,
    });
    expect(tariffs[1]).toMatchObject({ id: "T2", country_code: "BE", party_id: "OLD" });

    // Each left-out object is named with its reason.
    const skipped = skippedLogs();
    expect(skipped.map((l) => [l.id, l.module])).toEqual([
      ["BAD1", "locations"],
      ["SEA", "locations"],
    ]);
    expect(String(skipped[0]?.reason)).toMatch(/^invalid Location \(OCPI 2\.1\.1\): type: /);
    expect(String(skipped[1]?.reason)).toMatch(
      /^cannot translate Location for OCPI 2\.2\.1: time_zone: /,
    );

    // What the translation lost is logged and counted, as on a push.
    const loss = hub.logs.find((l) => String(l.msg).startsWith("OCPI 2.1.1 translation:"));
    expect(loss).toMatchObject({ module: "locations", id: "L2", sync: true, platform_id: id });
    expect(String(loss?.msg)).toMatch(/not carried over in translation: type \(/);
    const counted = await hub.deps.metrics.registry.getSingleMetricAsString(
      "ocpi_hub_translation_losses_total",
    );
    expect(counted).toContain(
      'ocpi_hub_translation_losses_total{module="locations",field="type"} 1',
    );
  });

  it("on the admin API's sync takes the CPO's changes and removes what it no longer lists", async () => {
    const cat: Catalogue = {
      locations: ["L1", "L2", "L3"].map((l) => location211(l)),
      tariffs: [tariff211("T1", 0.25)],
      pageSize: 2,
    };
    const { fake, id } = await connectCpo211(cat);
    expect(await finished(id, "connect")).toMatchObject({ status: "SUCCEEDED", locations: 3 });

    const changed = location211("L1");
    changed.evses[0].status = "CHARGING";
    changed.evses[0].last_updated = "2026-01-03T10:00:00Z";
    changed.last_updated = "2026-01-03T10:00:00Z";
    cat.locations = [changed, location211("L3")];
    cat.tariffs = [tariff211("T1", 0.35)];
    cat.tariffs[0].last_updated = "2026-01-03T10:00:00Z";

    const started = await hub.admin("POST", `/platforms/${id}/sync`);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const sync = await finished(id, "admin");
    expect(sync).toMatchObject({
      status: "SUCCEEDED",
      pages: 2,
      locations: 2,
      tariffs: 1,
      skipped: 0,
      removed: 1,
    });
    // Two pages of locations and one of tariffs on connect; one of each now.
    expect(pulls(fake)).toHaveLength(5);

    const locations = await cached("locations");
    expect(locations.map((l) => l.id)).toEqual(["L1", "L3"]);
    expect(locations[0].evses[0].status).toBe("CHARGING");
    expect(LocationSchema.safeParse(locations[0]).success).toBe(true);
    const [tariff] = await cached("tariffs");
    expect(tariff.elements[0].price_components[0].price).toBe(0.35);
    expect(skippedLogs()).toEqual([]);
  });
});

describe("tolerance of a 2.1.1 sync", () => {
  it("takes a 2.1.1 object with a deviation the tolerance policy accepts, and skips it under VALIDATION=strict", async () => {
    // As a Python backend writes it: an isoformat() offset instead of Z.
    const pythonStyle = { ...location211("L7"), last_updated: "2026-03-01T10:00:00.123000+00:00" };
    const cat: Catalogue = { locations: [pythonStyle], tariffs: [], pageSize: 10 };
    const tolerant = await connectCpo211(cat);
    expect(await finished(tolerant.id, "connect")).toMatchObject({
      status: "SUCCEEDED",
      locations: 1,
      skipped: 0,
    });
    expect((await cached("locations")).map((l) => [l.id, l.time_zone])).toEqual([
      ["L7", "Europe/Brussels"],
    ]);

    await hub.close();
    hub = await startHub({ env: { VALIDATION: "strict" } });
    const strict = await connectCpo211(cat);
    expect(await finished(strict.id, "connect")).toMatchObject({
      status: "SUCCEEDED",
      locations: 0,
      skipped: 1,
    });
    const [skipped] = skippedLogs();
    expect(skipped).toMatchObject({ id: "L7", module: "locations" });
    expect(String(skipped?.reason)).toMatch(/last_updated: .*utc-offset/);
  });
});
