import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectOk, expectRefused } from "../support/expect.js";
import type { FakePlatform, FakeRole, HubAnswer, ModuleRequest } from "../support/fake-platform.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { platformStatus, startHub, type TestHub } from "../support/test-hub.js";

/**
 * The tolerance policy end to end: bodies as other implementations write
 * them (Python's isoformat(), coordinates printed from floats, MIME types,
 * BCP 47 language tags, "24:00") reach the receiver byte for byte on a hub
 * with the default VALIDATION, and a hub with VALIDATION=strict refuses them
 * with 2001 naming the rule and the field.
 */

type Json = any;

const CPO: FakeRole = { role: "CPO", country_code: "CH", party_id: "ZUG" };
const EMSP: FakeRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };

interface World {
  hub: TestHub;
  cpo: FakePlatform;
  emsp: FakePlatform;
}

let tolerant: World;
let strict: World;

async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const hub = await startHub({ env });
  const { platform: cpo } = await hub.connect([CPO], { modules: CPO_MODULES });
  const { platform: emsp } = await hub.connect([EMSP], { modules: EMSP_MODULES });
  cpo.on((req) =>
    req.module === "commands"
      ? { body: cpo.envelope({ result: "ACCEPTED", timeout: 30 }) }
      : undefined,
  );
  return { hub, cpo, emsp };
}

beforeAll(async () => {
  tolerant = await startWorld();
  strict = await startWorld({ VALIDATION: "strict" });
});

afterAll(async () => {
  await tolerant?.hub.close();
  await strict?.hub.close();
});

const ocpi = (w: World, path: string) => `${w.hub.url}/ocpi/2.2.1/${path}`;

/** JSON as Python's json.dumps(indent=2) writes it: its own spacing, so bytes can be compared. */
const pythonJson = (value: unknown) => JSON.stringify(value, null, 2);

/** A connector as a Django-based CPO backend writes it. */
const connector = (id: string) => ({
  id,
  standard: "IEC_62196_T2",
  format: "SOCKET",
  power_type: "AC_3_PHASE",
  max_voltage: 400,
  max_amperage: 32,
  max_electric_power: 22000,
  tariff_ids: ["AC-STANDARD"],
  last_updated: "2026-03-01T09:58:12Z",
});

const evse = (uid: string) => ({
  uid,
  evse_id: `CH*ZUG*E${uid}`,
  status: "AVAILABLE",
  capabilities: ["REMOTE_START_STOP_CAPABLE", "RFID_READER"],
  connectors: [connector("1"), connector("2")],
  floor_level: "-1",
  physical_reference: "P-07",
  last_updated: "2026-03-01T09:58:12Z",
});

function location(id: string): Json {
  return {
    country_code: "CH",
    party_id: "ZUG",
    id,
    publish: true,
    name: "Parkhaus Bahnhof Zug",
    address: "Bahnhofstrasse 12",
    city: "Zug",
    postal_code: "6300",
    country: "CHE",
    coordinates: { latitude: "47.17342", longitude: "8.51502" },
    parking_type: "PARKING_GARAGE",
    evses: [evse("1001"), evse("1002")],
    operator: { name: "Zuger Ladenetz AG", website: "https://ladenetz.example.ch" },
    facilities: ["TRAIN_STATION"],
    time_zone: "Europe/Zurich",
    opening_times: { twentyfourseven: true },
    last_updated: "2026-03-01T10:00:00Z",
  };
}

function cdr(id: string): Json {
  return {
    country_code: "CH",
    party_id: "ZUG",
    id,
    start_date_time: "2026-03-01T08:12:00Z",
    end_date_time: "2026-03-01T09:40:31Z",
    session_id: `S-${id}`,
    cdr_token: {
      country_code: "DE",
      party_id: "EMS",
      uid: "04A2B3C4D5E6F7",
      type: "RFID",
      contract_id: "DE-EMS-C12345678-X",
    },
    auth_method: "WHITELIST",
    cdr_location: {
      id: "LOC-ZUG-1",
      name: "Parkhaus Bahnhof Zug",
      address: "Bahnhofstrasse 12",
      city: "Zug",
      postal_code: "6300",
      country: "CHE",
      coordinates: { latitude: "47.17342", longitude: "8.51502" },
      evse_uid: "1001",
      evse_id: "CH*ZUG*E1001",
      connector_id: "1",
      connector_standard: "IEC_62196_T2",
      connector_format: "SOCKET",
      connector_power_type: "AC_3_PHASE",
    },
    currency: "CHF",
    charging_periods: [
      {
        start_date_time: "2026-03-01T08:12:00Z",
        dimensions: [{ type: "ENERGY", volume: 18.42 }],
        tariff_id: "AC-STANDARD",
      },
    ],
    total_cost: { excl_vat: 8.29, incl_vat: 8.93 },
    total_energy: 18.42,
    total_time: 1.4753,
    last_updated: "2026-03-01T09:41:02Z",
  };
}

function tariff(id: string): Json {
  return {
    country_code: "CH",
    party_id: "ZUG",
    id,
    currency: "CHF",
    type: "REGULAR",
    tariff_alt_text: [{ language: "de", text: "CHF 0.45 pro kWh" }],
    elements: [{ price_components: [{ type: "ENERGY", price: 0.45, vat: 7.7, step_size: 1 }] }],
    last_updated: "2026-03-01T10:00:00Z",
  };
}

/** One deviation the policy tolerates, on one route, in a body that has no other. */
interface Case {
  name: string;
  rule: string;
  /** The fields the strict hub names. */
  paths: string[];
  /** After {hub}/ocpi/2.2.1/. */
  path: string;
  method: string;
  /** Who sends: the CPO, to the eMSP. */
  body: Json;
  receiverModule: string;
}

const locationPut = (id: string, change: (l: Json) => void): Json => {
  const body = location(id);
  change(body);
  return body;
};

const CASES: Case[] = [
  {
    name: "location PUT with Python's isoformat() DateTimes (+00:00, microseconds)",
    rule: "utc-offset",
    paths: ["last_updated", "evses[1].connectors[0].last_updated"],
    method: "PUT",
    path: "locations/receiver/CH/ZUG/LOC-TZ",
    receiverModule: "locations",
    body: locationPut("LOC-TZ", (l) => {
      l.last_updated = "2026-03-01T10:00:00.123456+00:00";
      l.evses[1].connectors[0].last_updated = "2026-03-01T09:58:12+00:00";
    }),
  },
  {
    name: "location PUT with coordinates printed from floats (location, related location, EVSE)",
    rule: "coordinate-precision",
    paths: [
      "coordinates.latitude",
      "coordinates.longitude",
      "related_locations[0].latitude",
      "evses[0].coordinates.longitude",
    ],
    method: "PUT",
    path: "locations/receiver/CH/ZUG/LOC-GEO",
    receiverModule: "locations",
    body: locationPut("LOC-GEO", (l) => {
      l.coordinates = { latitude: "47.179", longitude: "8.5" };
      l.related_locations = [
        { latitude: "47.18", longitude: "8.51502", name: { language: "de", text: "Einfahrt" } },
      ];
      l.evses[0].coordinates = { latitude: "47.17342", longitude: "8.0" };
    }),
  },
  {
    name: 'location PUT whose regular hours end at "24:00"',
    rule: "midnight-end",
    paths: [
      "opening_times.regular_hours[0].period_end",
      "opening_times.regular_hours[4].period_end",
    ],
    method: "PUT",
    path: "locations/receiver/CH/ZUG/LOC-HOURS",
    receiverModule: "locations",
    body: locationPut("LOC-HOURS", (l) => {
      l.opening_times = {
        twentyfourseven: false,
        regular_hours: [1, 2, 3, 4, 5].map((weekday) => ({
          weekday,
          period_begin: "06:00",
          period_end: "24:00",
        })),
      };
    }),
  },
  {
    name: "location PUT with MIME types as image types (location, EVSE, operator logo)",
    rule: "image-type",
    paths: ["images[0].type", "evses[0].images[0].type", "operator.logo.type"],
    method: "PUT",
    path: "locations/receiver/CH/ZUG/LOC-IMG",
    receiverModule: "locations",
    body: locationPut("LOC-IMG", (l) => {
      l.images = [
        { url: "https://cdn.example.ch/loc/zug.jpg", category: "LOCATION", type: "image/jpeg" },
      ];
      l.evses[0].images = [
        {
          url: "https://cdn.example.ch/evse/1001.png",
          category: "CHARGER",
          type: "image/png",
          width: 800,
          height: 600,
        },
      ];
      l.operator.logo = {
        url: "https://cdn.example.ch/logo.png",
        category: "OPERATOR",
        type: "image/png",
      };
    }),
  },
  {
    name: "location PUT with directions in en-GB",
    rule: "display-text-language",
    paths: ["directions[0].language", "evses[0].directions[0].language"],
    method: "PUT",
    path: "locations/receiver/CH/ZUG/LOC-LANG",
    receiverModule: "locations",
    body: locationPut("LOC-LANG", (l) => {
      l.directions = [{ language: "en-GB", text: "Enter from Baarerstrasse, level -1" }];
      l.evses[0].directions = [{ language: "de-CH", text: "Links nach der Schranke" }];
    }),
  },
  {
    name: "EVSE PUT with coordinates of 4 decimals",
    rule: "coordinate-precision",
    paths: ["coordinates.latitude", "coordinates.longitude"],
    method: "PUT",
    path: "locations/receiver/CH/ZUG/LOC-BASE/1003",
    receiverModule: "locations",
    body: { ...evse("1003"), coordinates: { latitude: "47.1734", longitude: "8.5150" } },
  },
  {
    name: "EVSE PUT with an image/jpeg photo",
    rule: "image-type",
    paths: ["images[0].type"],
    method: "PUT",
    path: "locations/receiver/CH/ZUG/LOC-BASE/1004",
    receiverModule: "locations",
    body: {
      ...evse("1004"),
      images: [{ url: "https://cdn.example.ch/e.jpg", category: "CHARGER", type: "image/jpeg" }],
    },
  },
  {
    name: "CDR POST whose cdr_location has coordinates of 2 decimals",
    rule: "coordinate-precision",
    paths: ["cdr_location.coordinates.latitude", "cdr_location.coordinates.longitude"],
    method: "POST",
    path: "cdrs/receiver",
    receiverModule: "cdrs",
    body: {
      ...cdr("CDR-GEO"),
      cdr_location: {
        ...cdr("x").cdr_location,
        coordinates: { latitude: "47.17", longitude: "8.52" },
      },
    },
  },
  {
    name: "CDR POST with Python's isoformat() DateTimes",
    rule: "utc-offset",
    paths: ["start_date_time", "charging_periods[0].start_date_time"],
    method: "POST",
    path: "cdrs/receiver",
    receiverModule: "cdrs",
    body: (() => {
      const c = cdr("CDR-TZ");
      c.start_date_time = "2026-03-01T08:12:00+00:00";
      c.charging_periods[0].start_date_time = "2026-03-01T08:12:00.250000+00:00";
      return c;
    })(),
  },
  {
    name: "tariff PUT with tariff_alt_text in en-GB and eng",
    rule: "display-text-language",
    paths: ["tariff_alt_text[0].language", "tariff_alt_text[1].language"],
    method: "PUT",
    path: "tariffs/receiver/CH/ZUG/AC-STANDARD",
    receiverModule: "tariffs",
    body: {
      ...tariff("AC-STANDARD"),
      tariff_alt_text: [
        { language: "en-GB", text: "CHF 0.45 per kWh" },
        { language: "eng", text: "CHF 0.45 per kWh, VAT included" },
      ],
    },
  },
];

/** The CPO sends `text` to the eMSP through `w`'s hub. */
const send = (w: World, c: Case, text: string) =>
  w.cpo.hubRoute(c.method, ocpi(w, c.path), { to: "DE/EMS", rawBody: text });

/** The 2001 of a strict hub names the rule and each field. */
function expectStrictRefusal(answer: HubAnswer, rule: string, paths: string[], context: string) {
  expectRefused(answer, 200, 2001, { context, message: [rule, "VALIDATION=strict"] });
  for (const path of paths) expect(answer.body.status_message, context).toContain(`${path}: `);
}

describe("the tolerance policy on routed pushes", () => {
  beforeAll(async () => {
    // The location the EVSE PUTs go into, in the spec's own forms.
    for (const w of [tolerant, strict]) {
      const answer = await w.cpo.hubRoute("PUT", ocpi(w, "locations/receiver/CH/ZUG/LOC-BASE"), {
        to: "DE/EMS",
        body: location("LOC-BASE"),
      });
      expectOk(answer, JSON.stringify(answer.body));
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    "%s: forwarded byte for byte by default, refused with 2001 naming the rule under VALIDATION=strict",
    async (_name, c) => {
      const text = pythonJson(c.body);
      const before = tolerant.emsp.moduleRequests(c.receiverModule).length;
      const answer = await send(tolerant, c, text);
      expectOk(answer, JSON.stringify(answer.body));
      const got = tolerant.emsp.moduleRequests(c.receiverModule).slice(before);
      expect(got).toHaveLength(1);
      expect((got[0] as ModuleRequest).text).toBe(text);

      const refused = await expectRefused(() => send(strict, c, text), 200, 2001, {
        unforwarded: [strict.emsp],
        context: c.name,
      });
      expectStrictRefusal(refused, c.rule, c.paths, c.name);
    },
  );

  it("a tolerated form in one field does not excuse another field: other errors are still refused", async () => {
    const body = locationPut("LOC-MIXED", (l) => {
      l.coordinates = { latitude: "47.179", longitude: "8.5" };
      l.country = "CH";
      l.publish_allowed_to = [{ group_id: "FLEET-1" }];
    });
    const answer = await tolerant.cpo.hubRoute(
      "PUT",
      ocpi(tolerant, "locations/receiver/CH/ZUG/LOC-MIXED"),
      { to: "DE/EMS", body },
    );
    expectRefused(answer, 200, 2001, {
      message: ["country: ", "publish_allowed_to: "],
    });
    expect(answer.body.status_message).not.toContain("coordinate-precision");
  });
});

describe("the tolerance policy on a command result", () => {
  /** The eMSP starts a session; returns the hub's callback URL the CPO got and the eMSP's own. */
  async function startSession(w: World, ref: string) {
    const responseUrl = `${w.emsp.endpointUrl("commands", "SENDER")}/START_SESSION/${ref}`;
    const before = w.cpo.moduleRequests("commands").length;
    const answer = await w.emsp.hubRoute("POST", ocpi(w, "commands/receiver/START_SESSION"), {
      to: "CH/ZUG",
      body: {
        response_url: responseUrl,
        token: {
          country_code: "DE",
          party_id: "EMS",
          uid: "APP-7731",
          type: "APP_USER",
          contract_id: "DE-EMS-C12345678-X",
          issuer: "Example eMSP",
          valid: true,
          whitelist: "NEVER",
          language: "de",
          last_updated: "2026-03-01T08:00:00Z",
        },
        location_id: "LOC-ZUG-1",
        evse_uid: "1001",
        connector_id: "1",
      },
    });
    expectOk(answer);
    const [forwarded] = w.cpo.moduleRequests("commands").slice(before) as [ModuleRequest];
    return { hubUrl: (forwarded.body as { response_url: string }).response_url, responseUrl };
  }

  // As a C# CPO backend writes it: CultureInfo.Name as the language.
  const result = `{"result":"ACCEPTED","message":[{"language":"en-GB","text":"Charging session started on CH*ZUG*E1001"}]}`;

  it("START_SESSION's CommandResult with message language en-GB reaches the eMSP byte for byte by default", async () => {
    const { hubUrl, responseUrl } = await startSession(tolerant, "tolerant");
    const answer = await tolerant.cpo.hubRoute("POST", hubUrl, { to: "DE/EMS", rawBody: result });
    expectOk(answer, JSON.stringify(answer.body));
    const path = new URL(responseUrl).pathname;
    const got = tolerant.emsp.requests.filter((r) => r.path === path);
    expect(got.map((r) => r.text)).toEqual([result]);
  });

  it("is refused with 2001 naming the rule and message[0].language under VALIDATION=strict, and reaches no one", async () => {
    const { hubUrl, responseUrl } = await startSession(strict, "strict");
    const answer = await strict.cpo.hubRoute("POST", hubUrl, { to: "DE/EMS", rawBody: result });
    expectStrictRefusal(answer, "display-text-language", ["message[0].language"], "strict result");
    const path = new URL(responseUrl).pathname;
    expect(strict.emsp.requests.filter((r) => r.path === path)).toEqual([]);
  });
});

describe("the tolerance policy on a registration", () => {
  /** A logo as a Kotlin backend fills it from the file's content type. */
  const logo = {
    url: "https://cdn.example.de/brand/logo-512.png",
    thumbnail: "https://cdn.example.de/brand/logo-128.png",
    category: "OPERATOR",
    type: "image/png",
    width: 512,
    height: 512,
  };
  const party: FakeRole = { role: "EMSP", country_code: "DE", party_id: "LGO" };
  const roles = [{ ...party, business_details: { name: "Logo Mobility GmbH", logo } }];

  it("a party-initiated registration whose business_details logo has type image/png completes by default", async () => {
    const platform = await tolerant.hub.fake({ roles: [party] });
    const invited = await tolerant.hub.invite([party], "Logo Mobility");
    const answer = await platform.register(invited.versions_url, invited.token_a, { roles });
    expectOk(answer, JSON.stringify(answer.body));
    expect(await platformStatus(tolerant.hub, invited.id)).toBe("CONNECTED");
    const shown = await tolerant.hub.admin("GET", `/platforms/${invited.id}`);
    expect(shown.body.roles).toEqual([
      { ...party, business_details: { name: "Logo Mobility GmbH", logo } },
    ]);
  });

  it("is refused with 2001 naming the rule and the logo's type under VALIDATION=strict; the platform stays PENDING", async () => {
    const platform = await strict.hub.fake({ roles: [party] });
    const invited = await strict.hub.invite([party], "Logo Mobility");
    const answer = await platform.register(invited.versions_url, invited.token_a, { roles });
    expectStrictRefusal(answer, "image-type", ["roles[0].business_details.logo.type"], "strict");
    expect(await platformStatus(strict.hub, invited.id)).toBe("PENDING");
  });

  /** The hub registers a platform whose Credentials answer carries the logo. */
  async function registerByHub(w: World, id: string) {
    const platform = await w.hub.fake({
      roles: [{ ...party, party_id: id, name: "Logo Mobility GmbH", logo }],
    });
    const invited = await w.hub.invite([{ ...party, party_id: id }], "Logo Mobility");
    const res = await w.hub.admin("POST", `/platforms/${invited.id}/register`, {
      versions_url: platform.versionsUrl,
      token: platform.tokenA,
    });
    return { res, invited };
  }

  it("a hub-initiated registration takes the platform's Credentials with that logo by default", async () => {
    const { res } = await registerByHub(tolerant, "LG2");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe("CONNECTED");
    expect(res.body.roles[0].business_details).toEqual({ name: "Logo Mobility GmbH", logo });
  });

  it("under VALIDATION=strict the hub-initiated registration fails naming the rule and the logo's type", async () => {
    const { res, invited } = await registerByHub(strict, "LG3");
    expect(res.status).toBe(502);
    expect(JSON.stringify(res.body)).toContain("roles[0].business_details.logo.type");
    expect(JSON.stringify(res.body)).toContain("image-type");
    expect(await platformStatus(strict.hub, invited.id)).toBe("PENDING");
  });
});
