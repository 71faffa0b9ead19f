import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectOk, expectRefused } from "../support/expect.js";
import type { FakePlatform, HubAnswer, ModuleRequest } from "../support/fake-platform.js";
import { startHub, type TestHub } from "../support/test-hub.js";

/**
 * The fields that name a client-owned object never change: a location's
 * id, country_code and party_id, an EVSE's uid, a connector's id ("can
 * never be changed, modified or renamed", locations: Location and EVSE
 * objects), and likewise a session's, a token's. A PATCH carrying another
 * value is refused before it goes anywhere; one repeating the URL's (in any
 * case, they are CiStrings) is a PATCH like any other. A PATCH cannot
 * remove information either (locations: PATCH Method): the hub forwards a
 * null as sent and its cache keeps the value it had.
 */

const HUB = "NL/HUB";
const EMSP = "DE/EMS";
const CPO = "DE/CHX";
/** One platform running two CPOs (white label): the second one's codes are the caller's too. */
const cpoRole = { role: "CPO", country_code: "DE", party_id: "CHX" };
const sisterRole = { role: "CPO", country_code: "DE", party_id: "CHY" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };

const LOCATION_ID = "DE-CHX-L000417";
const AC_UID = "DE*CHX*E00417*1";
const DC_UID = "DE*CHX*E00417*2";
const LOCATION_URL = `locations/receiver/DE/CHX/${LOCATION_ID}`;
const AC_URL = `${LOCATION_URL}/${AC_UID}`;
const DC_URL = `${LOCATION_URL}/${DC_UID}`;

/** A parking garage as a CPO's backend pushes it: two EVSEs, AC and DC, three connectors. */
function location(): any {
  return {
    country_code: "DE",
    party_id: "CHX",
    id: LOCATION_ID,
    publish: true,
    name: "Parkhaus Altstadt",
    address: "Hauptstraße 12",
    city: "Heidelberg",
    postal_code: "69117",
    country: "DEU",
    coordinates: { latitude: "49.412180", longitude: "8.709837" },
    parking_type: "PARKING_GARAGE",
    evses: [
      {
        uid: AC_UID,
        evse_id: "DE*CHX*E00417*1",
        status: "AVAILABLE",
        capabilities: ["RFID_READER", "REMOTE_START_STOP_CAPABLE", "UNLOCK_CAPABLE"],
        connectors: [
          {
            id: "1",
            standard: "IEC_62196_T2",
            format: "SOCKET",
            power_type: "AC_3_PHASE",
            max_voltage: 400,
            max_amperage: 32,
            max_electric_power: 22000,
            tariff_ids: ["AC-STANDARD"],
            last_updated: "2024-04-30T16:02:11.204Z",
          },
        ],
        floor_level: "-1",
        physical_reference: "P-17",
        parking_restrictions: ["EV_ONLY"],
        last_updated: "2024-05-02T07:14:38.482Z",
      },
      {
        uid: DC_UID,
        evse_id: "DE*CHX*E00417*2",
        status: "CHARGING",
        capabilities: ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
        connectors: [
          {
            id: "1",
            standard: "IEC_62196_T2_COMBO",
            format: "CABLE",
            power_type: "DC",
            max_voltage: 920,
            max_amperage: 200,
            max_electric_power: 150000,
            tariff_ids: ["DC-HPC"],
            last_updated: "2024-04-30T16:02:11.204Z",
          },
          {
            id: "2",
            standard: "CHADEMO",
            format: "CABLE",
            power_type: "DC",
            max_voltage: 500,
            max_amperage: 125,
            max_electric_power: 50000,
            tariff_ids: ["DC-HPC"],
            last_updated: "2024-04-30T16:02:11.204Z",
          },
        ],
        floor_level: "-1",
        physical_reference: "P-18",
        last_updated: "2024-05-02T06:51:02.117Z",
      },
    ],
    operator: { name: "ChargeX GmbH", website: "https://www.chargex.example/" },
    facilities: ["PARKING_LOT"],
    time_zone: "Europe/Berlin",
    opening_times: { twentyfourseven: true },
    energy_mix: { is_green_energy: true, supplier_name: "Stadtwerke Heidelberg" },
    last_updated: "2024-05-02T07:14:38.482Z",
  };
}

/** A running session as the CPO reports it, for a token of the eMSP. */
function session(): any {
  return {
    country_code: "DE",
    party_id: "CHX",
    id: "S-20240502-000781",
    start_date_time: "2024-05-02T07:20:11Z",
    kwh: 3.472,
    cdr_token: {
      country_code: "DE",
      party_id: "EMS",
      uid: "04A1B2C3D4E5F6",
      type: "RFID",
      contract_id: "DE-EMS-C12345678-X",
    },
    auth_method: "WHITELIST",
    location_id: LOCATION_ID,
    evse_uid: AC_UID,
    connector_id: "1",
    currency: "EUR",
    status: "ACTIVE",
    last_updated: "2024-05-02T07:35:00Z",
  };
}

const SESSION_URL = "sessions/receiver/DE/CHX/S-20240502-000781";
const TOKEN_URL = "tokens/receiver/DE/EMS/04A1B2C3D4E5F6?type=RFID";

let hub: TestHub;
let cpo: FakePlatform;
let emsp: FakePlatform;

beforeEach(async () => {
  hub = await startHub();
  // No locations or tariffs Sender: the hub has nothing to pull, so no sync gets in the way.
  ({ platform: cpo } = await hub.connect([cpoRole, sisterRole], {
    name: "ChargeX",
    modules: [{ identifier: "tokens", role: "RECEIVER" }],
  }));
  ({ platform: emsp } = await hub.connect([emspRole], {
    name: "Drive App",
    modules: [
      { identifier: "locations", role: "RECEIVER" },
      { identifier: "tariffs", role: "RECEIVER" },
      { identifier: "sessions", role: "RECEIVER" },
      { identifier: "tokens", role: "SENDER" },
    ],
  }));
});

afterEach(async () => {
  await hub?.close();
});

const url = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

/**
 * A push through the hub to its receiver, sent as `text` (pretty-printed
 * unless given as text): the receiver gets it once, byte for byte, and
 * the sender gets the receiver's 1000.
 */
async function delivered(
  method: "PUT" | "PATCH",
  path: string,
  body: unknown,
  options: { from?: FakePlatform; to?: string } = {},
): Promise<ModuleRequest> {
  const from = options.from ?? cpo;
  const receiver = from === cpo ? emsp : cpo;
  const text = typeof body === "string" ? body : JSON.stringify(body, null, 2);
  const seen = receiver.moduleRequests().length;
  const answer = await from.hubRoute(method, url(path), {
    to: options.to ?? (from === cpo ? EMSP : CPO),
    rawBody: text,
  });
  expectOk(answer, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  const got = receiver.moduleRequests().slice(seen);
  expect(got, `${method} ${path} at the receiver`).toHaveLength(1);
  const request = got[0] as ModuleRequest;
  expect(request.method).toBe(method);
  expect(request.text, "the body as the sender wrote it").toBe(text);
  return request;
}

/** A PATCH the hub refuses with 2001 naming `mentions`; no platform receives anything. */
function refusedPatch(
  path: string,
  body: unknown,
  mentions: string[],
  options: { from?: FakePlatform; to?: string } = {},
): Promise<HubAnswer> {
  const from = options.from ?? cpo;
  return expectRefused(
    () =>
      from.hubRoute("PATCH", url(path), {
        to: options.to ?? (from === cpo ? EMSP : CPO),
        body,
      }),
    200,
    2001,
    {
      message: mentions,
      context: `PATCH ${path} ${JSON.stringify(body)}`,
      unforwarded: [cpo, emsp],
    },
  );
}

/** The eMSP's GET with OCPI-to = the hub; the answer must be a 1000. */
async function hubRead(path: string): Promise<any> {
  const res = await emsp.hubRoute("GET", url(path), { to: HUB });
  expectOk(res, `GET ${path}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/**
 * The hub's copy shows `expected` as the one location: in GET all, in
 * the single GET by its id, and in the CPO's GET of its own object; no
 * other id answers.
 */
async function cacheShows(expected: any, otherIds: string[] = []): Promise<void> {
  expect(await hubRead("locations/sender"), "GET all via the hub").toEqual([expected]);
  expect(await hubRead(`locations/sender/${LOCATION_ID}`), "GET by id").toEqual(expected);
  const own = await cpo.hubRoute("GET", url(LOCATION_URL), { to: HUB });
  expectOk(own, "the CPO's GET of its own location");
  expect(own.body.data).toEqual(expected);
  for (const id of otherIds) {
    const res = await emsp.hubRoute("GET", url(`locations/sender/${id}`), { to: HUB });
    expect(res.body.status_code, `GET of ${id} via the hub`).toBe(2003);
  }
}

describe("a PATCH whose body names another object", () => {
  it("of a location, with another id, country_code or party_id: 2001 naming the field and both values; nothing forwarded or cached", async () => {
    await delivered("PUT", LOCATION_URL, location());
    const stamp = "2024-05-02T08:00:00Z";
    const cases: [object, string[]][] = [
      [{ id: "DE-CHX-L000418", last_updated: stamp }, ["id", "DE-CHX-L000418", LOCATION_ID]],
      // The other CPO of the same platform: its codes are the caller's, yet the location is not its.
      [
        { party_id: "CHY", name: "Parkhaus Altstadt (CHY)", last_updated: stamp },
        ["party_id", "CHY", "CHX"],
      ],
      [{ country_code: "AT", last_updated: stamp }, ["country_code", "AT", "DE"]],
      [
        { country_code: "DE", party_id: "CHY", last_updated: stamp },
        ["party_id", "DE/CHY", "DE/CHX"],
      ],
      [{ id: null, last_updated: stamp }, ["id"]],
    ];
    for (const [body, mentions] of cases) await refusedPatch(LOCATION_URL, body, mentions);
    // Addressed to the hub (broadcast push): refused alike, nothing queued for anyone.
    await refusedPatch(LOCATION_URL, cases[0]?.[0], ["id", "DE-CHX-L000418"], { to: HUB });
    await hub.settled();
    expect(emsp.moduleRequests(), "deliveries at the eMSP").toHaveLength(1);

    await cacheShows(location(), ["DE-CHX-L000418"]);
    // The old id is still the location's: a PATCH of it applies.
    await delivered("PATCH", LOCATION_URL, { name: "Parkhaus Altstadt P1", last_updated: stamp });
    await cacheShows({ ...location(), name: "Parkhaus Altstadt P1", last_updated: stamp });
  });

  it("of an EVSE, with another uid: 2001 naming uid and both values; the EVSE keeps its uid and takes later PATCHes", async () => {
    await delivered("PUT", LOCATION_URL, location());
    const stamp = "2024-05-02T08:00:00Z";
    await refusedPatch(
      AC_URL,
      { uid: "DE*CHX*E00417*3", status: "CHARGING", last_updated: stamp },
      ["uid", "DE*CHX*E00417*3", AC_UID],
    );
    await refusedPatch(AC_URL, { uid: DC_UID, last_updated: stamp }, ["uid", DC_UID, AC_UID]);
    await refusedPatch(AC_URL, { uid: null, last_updated: stamp }, ["uid"]);
    await cacheShows(location());

    // A status change of the old uid is answered and cached.
    await delivered("PATCH", AC_URL, { status: "CHARGING", last_updated: stamp });
    const expected = location();
    expected.evses[0] = { ...expected.evses[0], status: "CHARGING", last_updated: stamp };
    expected.last_updated = stamp;
    await cacheShows(expected);
    expect(await hubRead(`locations/sender/${LOCATION_ID}/${AC_UID}`)).toEqual(expected.evses[0]);
  });

  it("of a connector, with another id: 2001 naming id and both values; later PATCHes of the connector apply", async () => {
    await delivered("PUT", LOCATION_URL, location());
    const stamp = "2024-05-02T08:00:00Z";
    await refusedPatch(`${DC_URL}/2`, { id: "3", max_electric_power: 62500, last_updated: stamp }, [
      "id",
      "3",
      "2",
    ]);
    await refusedPatch(`${DC_URL}/2`, { id: "1", last_updated: stamp }, ["id", "1", "2"]);
    await cacheShows(location());

    await delivered("PATCH", `${DC_URL}/2`, { max_electric_power: 62500, last_updated: stamp });
    const connector = {
      ...location().evses[1].connectors[1],
      max_electric_power: 62500,
      last_updated: stamp,
    };
    expect(await hubRead(`locations/sender/${LOCATION_ID}/${DC_UID}/2`)).toEqual(connector);
  });

  it("repeating the URL's id, codes or uid, in another case, is accepted and forwarded as sent; the copy keeps its spelling", async () => {
    await delivered("PUT", LOCATION_URL, location());
    const stamp = "2024-05-02T08:00:00Z";
    await delivered("PATCH", LOCATION_URL, {
      country_code: "de",
      party_id: "chx",
      id: LOCATION_ID.toLowerCase(),
      name: "Parkhaus Altstadt P1",
      last_updated: stamp,
    });
    await delivered("PATCH", AC_URL, {
      uid: AC_UID.toLowerCase(),
      status: "BLOCKED",
      last_updated: stamp,
    });
    await delivered("PATCH", `${DC_URL}/2`, { id: "2", max_amperage: 100, last_updated: stamp });

    const expected = location();
    expected.name = "Parkhaus Altstadt P1";
    expected.last_updated = stamp;
    expected.evses[0] = { ...expected.evses[0], status: "BLOCKED", last_updated: stamp };
    expected.evses[1] = {
      ...expected.evses[1],
      connectors: [
        expected.evses[1].connectors[0],
        { ...expected.evses[1].connectors[1], max_amperage: 100, last_updated: stamp },
      ],
      last_updated: stamp,
    };
    await cacheShows(expected);
  });

  it("of a session, with another id, country_code or party_id: 2001, nothing forwarded", async () => {
    await delivered("PUT", SESSION_URL, session());
    const stamp = "2024-05-02T07:50:00Z";
    const cases: [object, string[]][] = [
      [{ id: "S-20240502-000782", kwh: 5.113, last_updated: stamp }, ["id", "S-20240502-000782"]],
      [{ party_id: "CHY", last_updated: stamp }, ["party_id", "CHY", "CHX"]],
      [{ country_code: "AT", last_updated: stamp }, ["country_code", "AT", "DE"]],
    ];
    for (const [body, mentions] of cases) await refusedPatch(SESSION_URL, body, mentions);
    await delivered("PATCH", SESSION_URL, {
      id: "s-20240502-000781",
      kwh: 5.113,
      last_updated: stamp,
    });
  });

  it("of a token, with another uid, country_code, party_id or type: 2001, nothing forwarded", async () => {
    const stamp = "2024-05-03T11:02:45Z";
    const opts = { from: emsp };
    const cases: [object, string[]][] = [
      [{ uid: "04A1B2C3D4E5F7", valid: false, last_updated: stamp }, ["uid", "04A1B2C3D4E5F7"]],
      [{ country_code: "NL", last_updated: stamp }, ["country_code", "NL", "DE"]],
      [{ party_id: "EMX", valid: false, last_updated: stamp }, ["party_id", "EMX", "EMS"]],
      [{ type: "APP_USER", last_updated: stamp }, ["type", "APP_USER", "RFID"]],
    ];
    for (const [body, mentions] of cases) await refusedPatch(TOKEN_URL, body, mentions, opts);
    await delivered(
      "PATCH",
      TOKEN_URL,
      { uid: "04a1b2c3d4e5f6", type: "RFID", valid: false, last_updated: stamp },
      opts,
    );
  });

  it("of a tariff: tariffs take no PATCH (tariffs: Receiver interface), so nothing is forwarded", async () => {
    await expectRefused(
      () =>
        cpo.hubRoute("PATCH", url("tariffs/receiver/DE/CHX/AC-STANDARD"), {
          to: EMSP,
          body: { id: "AC-PREMIUM", last_updated: "2024-05-02T08:00:00Z" },
        }),
      405,
      2000,
      { message: ["PATCH"], unforwarded: [cpo, emsp] },
    );
  });
});

describe("a PATCH with null members", () => {
  it("is forwarded byte for byte, and the hub's copy keeps the values it had, at every level", async () => {
    await delivered("PUT", LOCATION_URL, location());
    // A backend serializing its whole update model, unset fields as null, compactly.
    await delivered(
      "PATCH",
      LOCATION_URL,
      '{"name":null,"postal_code":null,"operator":null,"opening_times":{"twentyfourseven":false,"regular_hours":[{"weekday":1,"period_begin":"06:00","period_end":"23:00"}]},"last_updated":"2024-05-02T08:00:00Z"}',
    );
    await delivered(
      "PATCH",
      AC_URL,
      '{"status":"OUTOFORDER","floor_level":null,"physical_reference":null,"last_updated":"2024-05-02T08:01:00Z"}',
    );
    await delivered(
      "PATCH",
      `${DC_URL}/1`,
      '{"max_electric_power":null,"tariff_ids":null,"max_amperage":300,"last_updated":"2024-05-02T08:02:00Z"}',
    );

    const expected = location();
    expected.opening_times = {
      twentyfourseven: false,
      regular_hours: [{ weekday: 1, period_begin: "06:00", period_end: "23:00" }],
    };
    expected.evses[0] = {
      ...expected.evses[0],
      status: "OUTOFORDER",
      last_updated: "2024-05-02T08:01:00Z",
    };
    expected.evses[1] = {
      ...expected.evses[1],
      connectors: [
        {
          ...expected.evses[1].connectors[0],
          max_amperage: 300,
          last_updated: "2024-05-02T08:02:00Z",
        },
        expected.evses[1].connectors[1],
      ],
      last_updated: "2024-05-02T08:02:00Z",
    };
    expected.last_updated = "2024-05-02T08:02:00Z";
    await cacheShows(expected);
    const cached = await hubRead(`locations/sender/${LOCATION_ID}`);
    expect(cached.name).toBe("Parkhaus Altstadt");
    expect(cached.operator).toEqual({
      name: "ChargeX GmbH",
      website: "https://www.chargex.example/",
    });
  });
});
