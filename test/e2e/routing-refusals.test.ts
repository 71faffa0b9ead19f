import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jsonPath } from "../../src/ocpi/validate.js";
import { example, forEmsp } from "../support/examples.js";
import { expectRefused } from "../support/expect.js";
import type { FakePlatform, FakeRole, HubAnswer, Reply } from "../support/fake-platform.js";
import { closeServer } from "../support/net.js";
import { CPO_MODULES, EMSP_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

type Json = any;
type Path = (string | number)[];
type Iface = "SENDER" | "RECEIVER";

const CPO: FakeRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const EMSP: FakeRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };
const CPO_NAME = "Charge Co";
const EMSP_NAME = "Drive App";

/** A hub, a CPO and an eMSP connected to it, and every fake platform of this hub. */
interface World {
  hub: TestHub;
  cpo: FakePlatform;
  emsp: FakePlatform;
  fakes: FakePlatform[];
}

async function startWorld(env?: Record<string, string>): Promise<World> {
  const hub = await startHub(env === undefined ? {} : { env });
  const { platform: cpo } = await hub.connect([CPO], { modules: CPO_MODULES, name: CPO_NAME });
  const { platform: emsp } = await hub.connect([EMSP], { modules: EMSP_MODULES, name: EMSP_NAME });
  return { hub, cpo, emsp, fakes: [cpo, emsp] };
}

const ocpi = (w: World, path: string) => `${w.hub.url}/ocpi/2.2.1/${path}`;

/** The CPO or the eMSP sends to {hub}/ocpi/2.2.1/`path`, naming the other one in OCPI-to. */
const toPeer = (
  w: World,
  from: FakePlatform,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string } = {},
): Promise<HubAnswer> =>
  from.hubRoute(method, ocpi(w, path), { to: from === w.cpo ? "DE/EMS" : "NL/CPO", ...options });

/** The spec's Location example, as the CPO NL/CPO's location `id`. */
function location(id = "LOC1"): Json {
  return { ...example("location_example.json"), country_code: "NL", party_id: "CPO", id };
}

/** The spec's examples as the CPO NL/CPO's, with a cdr_token of the eMSP DE/EMS. */
const session = (): Json => forEmsp("session_example_1_simple_start.json", CPO, EMSP);
const cdr = (): Json => forEmsp("cdr_example.json", CPO, EMSP);

function tariff(): Json {
  return { ...example("tariff_1_simple_2hour.json"), country_code: "NL", party_id: "CPO" };
}

const TOKEN_UID = "12345678905880";

function token(): Json {
  return { ...example("token_example_2_full_rfid.json"), country_code: "DE", party_id: "EMS" };
}

let pushes = 0;

/** The hub is up and still routes: healthz answers, and a CPO → eMSP location push goes through. */
async function expectStillRoutes(w: World): Promise<void> {
  const health = await fetch(`${w.hub.url}/healthz`);
  expect(health.status, "GET /healthz").toBe(200);
  const id = `HEALTHY-${++pushes}`;
  const answer = await w.cpo.hubRoute("PUT", ocpi(w, `locations/receiver/NL/CPO/${id}`), {
    to: "DE/EMS",
    body: location(id),
  });
  expect(answer.status, "the next routed push").toBe(200);
  expect(answer.body.status_code, "the next routed push").toBe(1000);
  expect(w.emsp.moduleRequests("locations", "RECEIVER").at(-1)?.tail).toBe(`/NL/CPO/${id}`);
}

describe("routing headers and receivers the hub refuses", () => {
  let w: World;
  let pending: FakePlatform;
  let suspended: FakePlatform;
  const PENDING: FakeRole = { role: "EMSP", country_code: "FR", party_id: "PEN" };
  const SUSPENDED: FakeRole = { role: "EMSP", country_code: "IT", party_id: "SUS" };
  const OTHER: FakeRole = { role: "CPO", country_code: "BE", party_id: "OTH" };
  const BARE: FakeRole = { role: "EMSP", country_code: "AT", party_id: "NOM" };

  /** A valid location push from the CPO with the given headers besides its token. */
  const push = (headers: Record<string, string>, id = "LOC1") =>
    w.cpo.hubCall("PUT", ocpi(w, `locations/receiver/NL/CPO/${id}`), {
      body: location(id),
      headers,
    });
  const pushTo = (to: string, from?: string) =>
    w.cpo.hubRoute("PUT", ocpi(w, "locations/receiver/NL/CPO/LOC1"), {
      to,
      from,
      body: location(),
    });

  beforeAll(async () => {
    w = await startWorld();
    const { platform: other } = await w.hub.connect([OTHER], { modules: CPO_MODULES });
    const { platform: bare } = await w.hub.connect([BARE], { modules: [], name: "Bare" });
    const connected = await w.hub.connect([SUSPENDED], { modules: EMSP_MODULES, name: "Paused" });
    suspended = connected.platform;
    const paused = await w.hub.admin("POST", `/platforms/${connected.id}/suspend`);
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe("SUSPENDED");
    pending = await w.hub.fake({ roles: [PENDING], modules: EMSP_MODULES });
    const invited = await w.hub.invite([PENDING], "Planned");
    expect(invited.status).toBe("PENDING");
    w.fakes.push(other, bare, suspended, pending);
    await w.hub.settled();
  });

  afterAll(async () => {
    await w?.hub.close();
  });

  it("refuses a routed request without OCPI-from-country-code or OCPI-from-party-id with 2001", async () => {
    const to = { "ocpi-to-country-code": "DE", "ocpi-to-party-id": "EMS" };
    const cases: [Record<string, string>, string, string][] = [
      [to, "OCPI-from-country-code", "no OCPI-from"],
      [
        { ...to, "ocpi-from-party-id": "CPO" },
        "OCPI-from-country-code",
        "no OCPI-from-country-code",
      ],
      [{ ...to, "ocpi-from-country-code": "NL" }, "OCPI-from-party-id", "no OCPI-from-party-id"],
    ];
    for (const [headers, missing, what] of cases) {
      await expectRefused(() => push(headers), 200, 2001, {
        message: [missing],
        context: what,
        unforwarded: w.fakes,
      });
    }
    await expectStillRoutes(w);
  });

  it("refuses an OCPI-from naming a party of another platform (no speaking for others) with 2001", async () => {
    for (const spoofed of ["DE/EMS", "BE/OTH", "FR/PEN"]) {
      await expectRefused(() => pushTo("DE/EMS", spoofed), 200, 2001, {
        message: ["OCPI-from", spoofed],
        context: `OCPI-from ${spoofed}`,
        unforwarded: w.fakes,
      });
    }
    await expectStillRoutes(w);
  });

  it("refuses OCPI-to-country-code without OCPI-to-party-id, and the reverse, with 2001 naming the missing header", async () => {
    const from = { "ocpi-from-country-code": "NL", "ocpi-from-party-id": "CPO" };
    const cases: [Record<string, string>, string, string][] = [
      [{ ...from, "ocpi-to-country-code": "DE" }, "OCPI-to-party-id", "only OCPI-to-country-code"],
      [{ ...from, "ocpi-to-party-id": "EMS" }, "OCPI-to-country-code", "only OCPI-to-party-id"],
    ];
    for (const [headers, missing, what] of cases) {
      await expectRefused(() => push(headers), 200, 2001, {
        message: [missing],
        context: what,
        unforwarded: w.fakes,
      });
    }
    await expectStillRoutes(w);
  });

  it("refuses malformed OCPI-to codes with 2001 naming the header and the value", async () => {
    const cases: [string, string, string][] = [
      ["DEU/EMS", "OCPI-to-country-code", "DEU"],
      ["D1/EMS", "OCPI-to-country-code", "D1"],
      ["DE/EM", "OCPI-to-party-id", "EM"],
      ["DE/EMS!", "OCPI-to-party-id", "EMS!"],
    ];
    for (const [to, header, value] of cases) {
      await expectRefused(() => pushTo(to), 200, 2001, {
        message: [header, value],
        context: `OCPI-to ${to}`,
        unforwarded: w.fakes,
      });
    }
    await expectStillRoutes(w);
  });

  it("answers 4001 naming the party when OCPI-to is a party the hub does not know", async () => {
    await expectRefused(() => pushTo("FR/XYZ"), 200, 4001, {
      message: ["FR/XYZ"],
      unforwarded: w.fakes,
    });
    await expectStillRoutes(w);
  });

  it("answers 4003 without any request to it when OCPI-to is a party only invited (PENDING)", async () => {
    await expectRefused(() => pushTo("FR/PEN"), 200, 4003, {
      message: ["FR/PEN"],
      unforwarded: w.fakes,
    });
    expect(pending.requests).toEqual([]);
    await expectStillRoutes(w);
  });

  it("answers 4003 without any request to it when OCPI-to is a party the operator suspended", async () => {
    const before = suspended.requests.length;
    await expectRefused(() => pushTo("IT/SUS"), 200, 4003, {
      message: ["IT/SUS"],
      unforwarded: w.fakes,
    });
    expect(suspended.requests.length).toBe(before);
    await expectStillRoutes(w);
  });

  it("answers HTTP 403 to a suspended platform's own routed requests", async () => {
    await expectRefused(
      () =>
        suspended.hubRoute("POST", ocpi(w, "commands/receiver/STOP_SESSION"), {
          to: "NL/CPO",
          body: { response_url: "https://emsp.example.com/cb/1", session_id: "101" },
        }),
      403,
      2000,
      { message: ["suspended"], unforwarded: w.fakes },
    );
    await expectStillRoutes(w);
  });

  it("answers 4000 naming module and interface when the party has no such endpoint", async () => {
    // A platform with no module endpoints at all.
    await expectRefused(() => pushTo("AT/NOM"), 200, 4000, {
      message: ["AT/NOM", "locations", "RECEIVER"],
      unforwarded: w.fakes,
    });
    await expectRefused(
      () =>
        w.cpo.hubRoute("PUT", ocpi(w, "tariffs/receiver/NL/CPO/12"), {
          to: "AT/NOM",
          body: tariff(),
        }),
      200,
      4000,
      { message: ["AT/NOM", "tariffs", "RECEIVER"], unforwarded: w.fakes },
    );
    // An eMSP may not read token lists at all (tokens: the Sender is the eMSP); the role rule refuses it first.
    await expectRefused(
      () => w.emsp.hubRoute("GET", ocpi(w, "tokens/sender?offset=0&limit=10"), { to: "NL/CPO" }),
      200,
      2000,
      {
        message: ["DE/EMS is an EMSP", "only CPO may read tokens"],
        context: "a sender without the role the operation needs",
        unforwarded: w.fakes,
      },
    );
    await expectStillRoutes(w);
  });

  it("refuses a sender without the role the operation needs with 2000 naming the rule; nothing is forwarded, cached or queued", async () => {
    const emspLocation = { ...location("ROGUE"), country_code: "DE", party_id: "EMS" };
    const cpoToken = { ...token(), country_code: "NL", party_id: "CPO" };
    const cases: [string, () => Promise<HubAnswer>, string[]][] = [
      [
        "an eMSP broadcasting a location of its own",
        () =>
          w.emsp.hubRoute("PUT", ocpi(w, "locations/receiver/DE/EMS/ROGUE"), {
            to: "NL/HUB",
            body: emspLocation,
          }),
        ["DE/EMS is an EMSP", "only CPO or NAP may push locations"],
      ],
      [
        "an eMSP pushing a location to a CPO",
        () =>
          w.emsp.hubRoute("PUT", ocpi(w, "locations/receiver/DE/EMS/ROGUE"), {
            to: "NL/CPO",
            body: emspLocation,
          }),
        ["DE/EMS is an EMSP", "push locations"],
      ],
      [
        "a CPO broadcasting a token of its own",
        () =>
          w.cpo.hubRoute("PUT", ocpi(w, `tokens/receiver/NL/CPO/${TOKEN_UID}`), {
            to: "NL/HUB",
            body: cpoToken,
          }),
        ["NL/CPO is a CPO", "only EMSP may push tokens"],
      ],
      [
        "a CPO sending a command",
        () =>
          w.cpo.hubRoute("POST", ocpi(w, "commands/receiver/STOP_SESSION"), {
            to: "NL/CPO",
            body: { response_url: "https://emsp.example/result", session_id: "101" },
          }),
        ["NL/CPO is a CPO", "only EMSP may push commands"],
      ],
      [
        "an eMSP reading another party's token list",
        () => w.emsp.hubRoute("GET", ocpi(w, "tokens/sender?offset=0&limit=10"), { to: "NL/CPO" }),
        ["DE/EMS is an EMSP", "only CPO may read tokens"],
      ],
    ];
    for (const [context, call, message] of cases) {
      await expectRefused(call, 200, 2000, { message, context, unforwarded: w.fakes });
    }
    await w.hub.settled();
    const cached = await w.emsp.hubRoute("GET", ocpi(w, "locations/sender/ROGUE"), {
      to: "NL/HUB",
    });
    expect(cached.body.status_code, "the rogue location is not in the cache").toBe(2003);
    expect(w.cpo.moduleRequests("tokens", "RECEIVER"), "no token was delivered").toHaveLength(0);
    await expectStillRoutes(w);
  });

  it("answers 4000 to requests the hub does not answer itself and uncached lists addressed to it (NL/HUB)", async () => {
    await expectRefused(
      () => w.cpo.hubRoute("POST", ocpi(w, "tokens/sender/012345678/authorize"), { to: "NL/HUB" }),
      200,
      4000,
      {
        message: ["OCPI-to"],
        context: "a real-time authorization addressed to the hub",
        unforwarded: w.fakes,
      },
    );
    await expectRefused(
      () => w.emsp.hubRoute("GET", ocpi(w, "cdrs/sender?offset=0&limit=10"), { to: "NL/HUB" }),
      200,
      4000,
      {
        message: ["cdrs", "SENDER"],
        context: "a list GET the hub has no cache for, addressed to the hub",
        unforwarded: w.fakes,
      },
    );
    await expectStillRoutes(w);
  });

  it("ignores routing headers on versions, version details, credentials and hubclientinfo", async () => {
    const junk = {
      "ocpi-to-country-code": "XXXX",
      "ocpi-from-party-id": "!",
      "ocpi-from-country-code": "ZZ",
    };
    for (const url of [
      w.hub.versionsUrl,
      `${w.hub.url}/ocpi/2.2.1`,
      `${w.hub.url}/ocpi/2.2.1/credentials`,
      `${w.hub.url}/ocpi/2.2.1/hubclientinfo`,
    ]) {
      const answer = await w.cpo.hubCall("GET", url, { headers: junk });
      expect(answer.status, url).toBe(200);
      expect(answer.body.status_code, `${url}: ${answer.body.status_message}`).toBe(1000);
    }
    await expectStillRoutes(w);
  });
});

/**
 * The response_url the CPO got with the last command: the hub's callback URL,
 * {hub}/ocpi/2.2.1/commands/sender/{32 base64url characters}.
 */
function hubCallbackUrl(w: World): string {
  const forwarded = w.cpo.moduleRequests("commands", "RECEIVER").at(-1);
  expect(forwarded, "a command reached the CPO").toBeDefined();
  const body = forwarded?.body as Json;
  const url = String(body?.response_url);
  const prefix = `${w.hub.url}/ocpi/2.2.1/commands/sender/`;
  expect(url.startsWith(prefix), url).toBe(true);
  expect(url.slice(prefix.length)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  return url;
}

/** One way of breaking a valid body: a field removed, or set to `value`. */
interface Break {
  what: string;
  path: Path;
  value?: unknown;
  remove?: true;
  /** The field path the message must name, when not `path`. */
  names?: string;
}

const without = (...path: Path): Break => ({
  what: `without ${path.join(".")}`,
  path,
  remove: true,
});
const unknownValue = (...path: Path): Break => ({
  what: `unknown enum value in ${path.join(".")}`,
  path,
  value: "NOT_AN_OCPI_VALUE",
});
const tooLong = (limit: number, ...path: Path): Break => ({
  what: `${limit + 1} characters in ${path.join(".")}`,
  path,
  value: "X".repeat(limit + 1),
});
const wrongType = (value: unknown, ...path: Path): Break => ({
  what: `${JSON.stringify(value)} as ${path.join(".")}`,
  path,
  value,
});

/** A copy of `body` broken as `b` says. */
function broken(body: Json, b: Break): Json {
  const copy = structuredClone(body);
  let parent = copy;
  for (const key of b.path.slice(0, -1)) parent = parent[key];
  const last = b.path[b.path.length - 1] as string | number;
  expect(parent, `${b.what}: the example has ${b.path.join(".")}`).toBeTypeOf("object");
  if (b.remove) {
    expect(parent[last], `${b.what}: the example has the field`).toBeDefined();
    delete parent[last];
  } else {
    parent[last] = b.value;
  }
  return copy;
}

const ANSWER_URL = "https://emsp.example.com/ocpi/2.2.1/commands/sender";

/** A 256-character URL: one more than types: URL allows. */
const LONG_URL = `https://emsp.example.com/${"x".repeat(231)}`;

function startSession(): Json {
  return {
    response_url: `${ANSWER_URL}/start-1`,
    token: token(),
    location_id: "LOC1",
    evse_uid: "3256",
    connector_id: "1",
  };
}

function reserveNow(): Json {
  return {
    response_url: `${ANSWER_URL}/reserve-1`,
    token: token(),
    expiry_date: "2030-01-01T12:00:00Z",
    reservation_id: "RES-1",
    location_id: "LOC1",
    evse_uid: "3256",
  };
}

function setChargingProfile(): Json {
  return {
    charging_profile: {
      charging_rate_unit: "W",
      charging_profile_period: [{ start_period: 0, limit: 11000 }],
    },
    response_url: "https://emsp.example.com/ocpi/2.2.1/chargingprofiles/sender/p-1",
  };
}

/** One object a platform pushes or posts through the hub, and the ways its example breaks. */
interface BodyCase {
  object: string;
  valid: () => Json;
  send: (w: World, body: Json) => Promise<HubAnswer>;
  /** Where the valid body arrives. */
  receiver: (w: World) => FakePlatform;
  module: string;
  iface: Iface;
  breaks: Break[];
}

const cpoPush =
  (method: string, path: string) =>
  (w: World, body: Json): Promise<HubAnswer> =>
    toPeer(w, w.cpo, method, path, { body });
const emspPush =
  (method: string, path: string) =>
  (w: World, body: Json): Promise<HubAnswer> =>
    toPeer(w, w.emsp, method, path, { body });

const BODY_CASES: BodyCase[] = [
  {
    object: "Location (PUT)",
    valid: () => location(),
    send: cpoPush("PUT", "locations/receiver/NL/CPO/LOC1"),
    receiver: (w) => w.emsp,
    module: "locations",
    iface: "RECEIVER",
    breaks: [
      without("address"),
      unknownValue("parking_type"),
      unknownValue("evses", 0, "status"),
      tooLong(45, "city"),
      wrongType("true", "publish"),
      wrongType(51.047599, "coordinates", "latitude"),
    ],
  },
  {
    object: "EVSE (PUT)",
    valid: () => location().evses[0],
    send: cpoPush("PUT", "locations/receiver/NL/CPO/LOC1/3256"),
    receiver: (w) => w.emsp,
    module: "locations",
    iface: "RECEIVER",
    breaks: [
      without("status"),
      without("connectors"),
      unknownValue("capabilities", 0),
      tooLong(48, "evse_id"),
      wrongType("16", "connectors", 0, "max_amperage"),
    ],
  },
  {
    object: "Connector (PUT)",
    valid: () => location().evses[0].connectors[0],
    send: cpoPush("PUT", "locations/receiver/NL/CPO/LOC1/3256/1"),
    receiver: (w) => w.emsp,
    module: "locations",
    iface: "RECEIVER",
    breaks: [
      without("standard"),
      unknownValue("format"),
      tooLong(36, "tariff_ids", 0),
      wrongType("220", "max_voltage"),
    ],
  },
  {
    object: "Session (PUT)",
    valid: session,
    send: cpoPush("PUT", "sessions/receiver/NL/CPO/101"),
    receiver: (w) => w.emsp,
    module: "sessions",
    iface: "RECEIVER",
    breaks: [
      without("kwh"),
      unknownValue("status"),
      unknownValue("cdr_token", "type"),
      tooLong(36, "location_id"),
      wrongType(1583749029, "start_date_time"),
    ],
  },
  {
    object: "CDR (POST)",
    valid: cdr,
    send: cpoPush("POST", "cdrs/receiver"),
    receiver: (w) => w.emsp,
    module: "cdrs",
    iface: "RECEIVER",
    breaks: [
      without("cdr_location"),
      without("currency"),
      unknownValue("auth_method"),
      unknownValue("cdr_location", "connector_format"),
      tooLong(255, "remark"),
      wrongType("4.00", "total_cost", "excl_vat"),
    ],
  },
  {
    object: "Tariff (PUT)",
    valid: tariff,
    send: cpoPush("PUT", "tariffs/receiver/NL/CPO/12"),
    receiver: (w) => w.emsp,
    module: "tariffs",
    iface: "RECEIVER",
    breaks: [
      without("elements"),
      unknownValue("elements", 0, "price_components", 0, "type"),
      {
        what: "513 characters in tariff_alt_text.0.text",
        path: ["tariff_alt_text"],
        value: [{ language: "en", text: "X".repeat(513) }],
        names: "tariff_alt_text[0].text",
      },
      wrongType("2.00", "elements", 0, "price_components", 0, "price"),
    ],
  },
  {
    object: "Token (PUT)",
    valid: token,
    send: emspPush("PUT", `tokens/receiver/DE/EMS/${TOKEN_UID}`),
    receiver: (w) => w.cpo,
    module: "tokens",
    iface: "RECEIVER",
    breaks: [
      without("issuer"),
      unknownValue("whitelist"),
      tooLong(64, "visual_number"),
      wrongType("true", "valid"),
    ],
  },
  {
    object: "START_SESSION command",
    valid: startSession,
    send: emspPush("POST", "commands/receiver/START_SESSION"),
    receiver: (w) => w.cpo,
    module: "commands",
    iface: "RECEIVER",
    breaks: [
      without("location_id"),
      without("response_url"),
      unknownValue("token", "type"),
      tooLong(36, "authorization_reference"),
      wrongType(42, "response_url"),
    ],
  },
  {
    object: "RESERVE_NOW command",
    valid: reserveNow,
    send: emspPush("POST", "commands/receiver/RESERVE_NOW"),
    receiver: (w) => w.cpo,
    module: "commands",
    iface: "RECEIVER",
    breaks: [
      without("expiry_date"),
      unknownValue("token", "whitelist"),
      tooLong(36, "reservation_id"),
      wrongType(3256, "evse_uid"),
      wrongType("tomorrow", "expiry_date"),
    ],
  },
  {
    object: "CANCEL_RESERVATION command",
    valid: () => ({ response_url: `${ANSWER_URL}/cancel-1`, reservation_id: "RES-1" }),
    send: emspPush("POST", "commands/receiver/CANCEL_RESERVATION"),
    receiver: (w) => w.cpo,
    module: "commands",
    iface: "RECEIVER",
    breaks: [
      without("reservation_id"),
      tooLong(36, "reservation_id"),
      wrongType(true, "response_url"),
    ],
  },
  {
    object: "STOP_SESSION command",
    valid: () => ({ response_url: `${ANSWER_URL}/stop-1`, session_id: "101" }),
    send: emspPush("POST", "commands/receiver/STOP_SESSION"),
    receiver: (w) => w.cpo,
    module: "commands",
    iface: "RECEIVER",
    breaks: [without("session_id"), tooLong(36, "session_id"), wrongType(101, "session_id")],
  },
  {
    object: "UNLOCK_CONNECTOR command",
    valid: () => ({
      response_url: `${ANSWER_URL}/unlock-1`,
      location_id: "LOC1",
      evse_uid: "3256",
      connector_id: "1",
    }),
    send: emspPush("POST", "commands/receiver/UNLOCK_CONNECTOR"),
    receiver: (w) => w.cpo,
    module: "commands",
    iface: "RECEIVER",
    breaks: [
      without("connector_id"),
      tooLong(36, "evse_uid"),
      wrongType(1, "connector_id"),
      wrongType("not a url", "response_url"),
    ],
  },
  {
    object: "SetChargingProfile (PUT)",
    valid: setChargingProfile,
    send: emspPush("PUT", "chargingprofiles/receiver/101"),
    receiver: (w) => w.cpo,
    module: "chargingprofiles",
    iface: "RECEIVER",
    breaks: [
      without("response_url"),
      without("charging_profile", "charging_rate_unit"),
      unknownValue("charging_profile", "charging_rate_unit"),
      { what: "a 256-character response_url", path: ["response_url"], value: LONG_URL },
      wrongType("0", "charging_profile", "charging_profile_period", 0, "start_period"),
    ],
  },
  {
    object: "LocationReferences (authorize POST)",
    valid: () => ({ location_id: "LOC1", evse_uids: ["3256"] }),
    send: cpoPush("POST", `tokens/sender/${TOKEN_UID}/authorize?type=RFID`),
    receiver: (w) => w.emsp,
    module: "tokens",
    iface: "SENDER",
    breaks: [
      without("location_id"),
      tooLong(36, "location_id"),
      tooLong(36, "evse_uids", 0),
      wrongType("3256", "evse_uids"),
    ],
  },
  {
    object: "ChargingPreferences (PUT)",
    valid: () => ({
      profile_type: "FAST",
      departure_time: "2030-01-01T18:00:00Z",
      energy_need: 32.5,
      discharge_allowed: false,
    }),
    send: emspPush("PUT", "sessions/sender/101/charging_preferences"),
    receiver: (w) => w.cpo,
    module: "sessions",
    iface: "SENDER",
    breaks: [
      without("profile_type"),
      unknownValue("profile_type"),
      wrongType("32.5", "energy_need"),
      wrongType("6pm", "departure_time"),
    ],
  },
  {
    object: "ActiveChargingProfile (PUT)",
    valid: () => ({
      start_date_time: "2030-01-01T12:00:00Z",
      charging_profile: {
        charging_rate_unit: "A",
        charging_profile_period: [{ start_period: 0, limit: 16 }],
      },
    }),
    send: cpoPush("PUT", "chargingprofiles/sender/101"),
    receiver: (w) => w.emsp,
    module: "chargingprofiles",
    iface: "SENDER",
    breaks: [
      without("start_date_time"),
      without("charging_profile"),
      unknownValue("charging_profile", "charging_rate_unit"),
      wrongType("16", "charging_profile", "charging_profile_period", 0, "limit"),
    ],
  },
];

describe("request validation before forwarding", () => {
  let w: World;

  beforeAll(async () => {
    w = await startWorld();
    // The CPO accepts every command and profile request, so the hub keeps their callbacks.
    w.cpo.on((req) =>
      req.module === "commands" || req.module === "chargingprofiles"
        ? { body: w.cpo.envelope({ result: "ACCEPTED", timeout: 30 }) }
        : undefined,
    );
  });

  afterAll(async () => {
    await w?.hub.close();
  });

  it.each(BODY_CASES.map((c) => [c.object, c] as const))(
    "refuses broken copies of a valid %s with 2001 naming the field, forwarding none",
    async (_object, c) => {
      const receiver = c.receiver(w);
      const arrived = () => receiver.moduleRequests(c.module, c.iface).length;
      const before = arrived();
      const ok = await c.send(w, c.valid());
      expect(ok.status, "the valid body").toBe(200);
      expect(ok.body.status_code, `the valid body: ${ok.body.status_message}`).toBe(1000);
      expect(arrived(), "the valid body was forwarded").toBe(before + 1);

      for (const b of c.breaks) {
        const field = b.names ?? jsonPath(b.path);
        await expectRefused(() => c.send(w, broken(c.valid(), b)), 200, 2001, {
          message: [`${field}:`],
          context: b.what,
          unforwarded: w.fakes,
        });
      }
      await expectStillRoutes(w);
    },
  );

  it("refuses a broken CommandResult on the hub's callback URL with 2001, and relays the valid one", async () => {
    const answer = await w.emsp.hubRoute("POST", ocpi(w, "commands/receiver/START_SESSION"), {
      to: "NL/CPO",
      body: {
        ...startSession(),
        response_url: `${w.emsp.endpointUrl("commands", "SENDER")}/start-77`,
      },
    });
    expect(answer.body.status_code).toBe(1000);
    const callbackUrl = hubCallbackUrl(w);
    const result = { result: "ACCEPTED", message: [{ language: "en", text: "Session started" }] };
    const post = (body: Json) => w.cpo.hubRoute("POST", callbackUrl, { body });
    for (const b of [
      without("result"),
      unknownValue("result"),
      tooLong(512, "message", 0, "text"),
      wrongType("started", "message"),
    ]) {
      await expectRefused(() => post(broken(result, b)), 200, 2001, {
        message: [`${jsonPath(b.path)}:`],
        context: b.what,
        unforwarded: w.fakes,
      });
    }
    await expectRefused(() => post("not an object"), 200, 2001, {
      message: ["result"],
      context: "a JSON string",
      unforwarded: w.fakes,
    });

    const relayed = await post(result);
    expect(relayed.status).toBe(200);
    expect(relayed.body.status_code).toBe(1000);
    const got = w.emsp.moduleRequests("commands", "SENDER").at(-1);
    expect(got?.tail).toBe("/start-77");
    expect(got?.body).toEqual(result);
    await expectStillRoutes(w);
  });

  it("refuses a charging profile GET or DELETE without a usable response_url or duration with 2001", async () => {
    const answerUrl = encodeURIComponent(
      "https://emsp.example.com/ocpi/2.2.1/chargingprofiles/sender/q-1",
    );
    const cases: [string, string, string][] = [
      ["GET", "duration=900", "response_url"],
      ["GET", "duration=900&response_url=not-a-url", "response_url"],
      ["GET", `response_url=${answerUrl}`, "duration"],
      ["GET", `duration=15min&response_url=${answerUrl}`, "duration"],
      ["DELETE", "", "response_url"],
      ["DELETE", "response_url=", "response_url"],
    ];
    for (const [method, query, field] of cases) {
      await expectRefused(
        () =>
          w.emsp.hubRoute(method, ocpi(w, `chargingprofiles/receiver/101?${query}`), {
            to: "NL/CPO",
          }),
        200,
        2001,
        { message: [field], context: `${method} ?${query}`, unforwarded: w.fakes },
      );
    }
    const before = w.cpo.moduleRequests("chargingprofiles", "RECEIVER").length;
    const ok = await w.emsp.hubRoute(
      "GET",
      ocpi(w, `chargingprofiles/receiver/101?duration=900&response_url=${answerUrl}`),
      { to: "NL/CPO" },
    );
    expect(ok.body.status_code).toBe(1000);
    expect(w.cpo.moduleRequests("chargingprofiles", "RECEIVER").length).toBe(before + 1);
    await expectStillRoutes(w);
  });

  it("refuses a PATCH without last_updated (locations, sessions, tokens) with 2001, forwarding only complete ones", async () => {
    const patches: [string, FakePlatform, string, Json, Json][] = [
      [
        "EVSE",
        w.cpo,
        "locations/receiver/NL/CPO/LOC1/3256",
        example("location_patch_example_status.json"),
        { status: "CHARGING" },
      ],
      [
        "Location",
        w.cpo,
        "locations/receiver/NL/CPO/LOC1",
        example("location_patch_example_location.json"),
        { name: "Gent Noord" },
      ],
      [
        "Session",
        w.cpo,
        "sessions/receiver/NL/CPO/101",
        example("session_patch_example_total_cost.json"),
        { kwh: 5 },
      ],
      [
        "Token",
        w.emsp,
        `tokens/receiver/DE/EMS/${TOKEN_UID}`,
        example("token_patch_example.json"),
        { valid: false },
      ],
    ];
    for (const [what, from, path, complete, partial] of patches) {
      await expectRefused(() => toPeer(w, from, "PATCH", path, { body: partial }), 200, 2001, {
        message: ["last_updated"],
        context: `${what} PATCH without last_updated`,
        unforwarded: w.fakes,
      });
      const receiver = from === w.cpo ? w.emsp : w.cpo;
      const before = receiver.moduleRequests().length;
      const answer = await toPeer(w, from, "PATCH", path, { body: complete });
      expect(answer.body.status_code, `${what} PATCH with last_updated`).toBe(1000);
      expect(receiver.moduleRequests().length).toBe(before + 1);
      expect(receiver.moduleRequests().at(-1)?.body).toEqual(complete);
    }
    await expectStillRoutes(w);
  });

  it("answers a body that is not JSON, or empty, with HTTP 400 and 2001", async () => {
    const cases: [string, FakePlatform, string, string, string][] = [
      ["Location PUT", w.cpo, "PUT", "locations/receiver/NL/CPO/LOC1", '{"id": "LOC1",'],
      ["CDR POST", w.cpo, "POST", "cdrs/receiver", "<cdr><id>1</id></cdr>"],
      ["command POST", w.emsp, "POST", "commands/receiver/START_SESSION", "START"],
      ["Token PATCH", w.emsp, "PATCH", `tokens/receiver/DE/EMS/${TOKEN_UID}`, "valid=false"],
      ["Location PUT, empty", w.cpo, "PUT", "locations/receiver/NL/CPO/LOC1", ""],
      ["Tariff PUT, blank", w.cpo, "PUT", "tariffs/receiver/NL/CPO/12", "  \n "],
    ];
    for (const [what, from, method, path, rawBody] of cases) {
      await expectRefused(() => toPeer(w, from, method, path, { rawBody }), 400, 2001, {
        message: [rawBody.trim() === "" ? "empty" : "JSON"],
        context: what,
        unforwarded: w.fakes,
      });
    }
    await expectStillRoutes(w);
  });

  it("refuses a full object whose country_code, party_id or id differs from the URL with 2001", async () => {
    const evse = location().evses[0];
    const cases: [string, FakePlatform, string, Json, string[]][] = [
      [
        "Location codes",
        w.cpo,
        "locations/receiver/NL/CPO/LOC1",
        { ...location(), country_code: "BE", party_id: "BEC" },
        ["country_code", "BE/BEC"],
      ],
      ["Location id", w.cpo, "locations/receiver/NL/CPO/LOC2", location("LOC1"), ["id", "LOC2"]],
      ["EVSE uid", w.cpo, "locations/receiver/NL/CPO/LOC1/9999", evse, ["uid", "9999"]],
      [
        "Connector id",
        w.cpo,
        "locations/receiver/NL/CPO/LOC1/3256/2",
        evse.connectors[0],
        ["id", "2"],
      ],
      ["Session id", w.cpo, "sessions/receiver/NL/CPO/102", session(), ["id", "102"]],
      [
        "Session codes",
        w.cpo,
        "sessions/receiver/NL/CPO/101",
        { ...session(), country_code: "BE" },
        ["country_code", "BE/CPO"],
      ],
      [
        "Tariff codes",
        w.cpo,
        "tariffs/receiver/NL/CPO/12",
        { ...tariff(), party_id: "CPA" },
        ["party_id", "NL/CPA"],
      ],
      ["Tariff id", w.cpo, "tariffs/receiver/NL/CPO/13", tariff(), ["id", "13"]],
      ["Token uid", w.emsp, "tokens/receiver/DE/EMS/OTHER-UID", token(), ["uid", "OTHER-UID"]],
      [
        "Token codes",
        w.emsp,
        `tokens/receiver/DE/EMS/${TOKEN_UID}`,
        { ...token(), country_code: "NL", party_id: "TNM" },
        ["country_code", "NL/TNM"],
      ],
    ];
    for (const [what, from, path, body, mentions] of cases) {
      await expectRefused(() => toPeer(w, from, "PUT", path, { body }), 200, 2001, {
        message: mentions,
        context: what,
        unforwarded: w.fakes,
      });
    }
    await expectStillRoutes(w);
  });

  it("refuses client-owned URLs whose codes are not a party of the caller with 2001", async () => {
    const cases: [FakePlatform, string, string, string, Json][] = [
      [
        w.cpo,
        "PUT",
        "locations/receiver",
        "DE/EMS/LOC1",
        { ...location(), country_code: "DE", party_id: "EMS" },
      ],
      [w.cpo, "GET", "tariffs/receiver", "BE/OTH/12", undefined],
      [
        w.cpo,
        "PATCH",
        "locations/receiver",
        "BE/OTH/LOC1/3256",
        example("location_patch_example_status.json"),
      ],
      [
        w.emsp,
        "PATCH",
        "tokens/receiver",
        `NL/CPO/${TOKEN_UID}`,
        example("token_patch_example.json"),
      ],
      [
        w.cpo,
        "PATCH",
        "sessions/receiver",
        "DE/EMS/101",
        example("session_patch_example_total_cost.json"),
      ],
    ];
    for (const [from, method, endpoint, tail, body] of cases) {
      const owner = tail.split("/").slice(0, 2).join("/");
      await expectRefused(
        () => toPeer(w, from, method, `${endpoint}/${tail}`, { body }),
        200,
        2001,
        { message: [owner], context: `${method} ${endpoint}/${tail}`, unforwarded: w.fakes },
      );
    }
    await expectStillRoutes(w);
  });

  it("refuses a list GET without date_from (sessions) or with a malformed offset, limit or date, with 2001", async () => {
    const list = (path: string) => w.emsp.hubRoute("GET", ocpi(w, path), { to: "NL/CPO" });
    const from = "date_from=2019-06-23T00:00:00Z";
    const cases: [string, string][] = [
      ["sessions/sender?offset=0&limit=10", "date_from"],
      ["sessions/sender?date_from=&limit=10", "date_from"],
      ["sessions/sender?date_from=2019-06-23", "date_from"],
      ["sessions/sender?date_from=2019-06-23T00:00:00%2B01:00", "date_from"],
      [`sessions/sender?${from}&offset=abc`, "offset"],
      [`sessions/sender?${from}&offset=-1`, "offset"],
      [`sessions/sender?${from}&limit=1.5`, "limit"],
      [`sessions/sender?${from}&date_to=yesterday`, "date_to"],
      ["locations/sender?offset=ten", "offset"],
      ["cdrs/sender?limit=-5", "limit"],
      ["tariffs/sender?date_from=June", "date_from"],
    ];
    for (const [path, field] of cases) {
      await expectRefused(() => list(path), 200, 2001, {
        message: [field],
        context: path,
        unforwarded: w.fakes,
      });
    }
    const query = `${from}&offset=0&limit=10`;
    const ok = await list(`sessions/sender?${query}`);
    expect(ok.body.status_code).toBe(1000);
    const got = w.cpo.moduleRequests("sessions", "SENDER").at(-1);
    expect(got?.tail).toBe("");
    expect(got?.query.toString()).toBe(new URLSearchParams(query).toString());
    await expectStillRoutes(w);
  });

  it("answers an unknown command with HTTP 404 naming it", async () => {
    for (const command of ["SELF_DESTRUCT", "start_session", "STARTSESSION"]) {
      await expectRefused(
        () =>
          w.emsp.hubRoute("POST", ocpi(w, `commands/receiver/${command}`), {
            to: "NL/CPO",
            body: startSession(),
          }),
        404,
        2000,
        { message: [command], context: command, unforwarded: w.fakes },
      );
    }
    await expectStillRoutes(w);
  });

  it("answers a path the interface does not have with HTTP 404", async () => {
    const cases: [FakePlatform, string, string][] = [
      [w.cpo, "GET", "locations/receiver"],
      [w.cpo, "PUT", "locations/receiver/NL/CPO"],
      [w.cpo, "PUT", "locations/receiver/NL/CPO/LOC1/3256/1/extra"],
      [w.emsp, "GET", "locations/sender/LOC1/3256/1/extra"],
      [w.emsp, "PUT", "sessions/sender/101/charging_preference"],
      [w.cpo, "POST", "tokens/sender/012345678/authorise"],
      [w.cpo, "GET", "cdrs/receiver/a/b"],
      [w.emsp, "POST", "commands/receiver"],
      [w.cpo, "POST", "chargingprofiles/sender/a/b"],
    ];
    for (const [from, method, path] of cases) {
      await expectRefused(
        () => toPeer(w, from, method, path, { body: method === "GET" ? undefined : {} }),
        404,
        2000,
        { message: [method], context: `${method} ${path}`, unforwarded: w.fakes },
      );
    }
    await expectStillRoutes(w);
  });

  it("answers a method the path does not take with HTTP 405 naming the allowed ones", async () => {
    const cases: [FakePlatform, string, string, string][] = [
      [w.cpo, "POST", "locations/receiver/NL/CPO/LOC1", "PUT"],
      [w.cpo, "DELETE", "locations/receiver/NL/CPO/LOC1", "PATCH"],
      [w.cpo, "DELETE", "locations/receiver/NL/CPO/LOC1/3256", "PUT"],
      [w.cpo, "PATCH", "tariffs/receiver/NL/CPO/12", "DELETE"],
      [w.cpo, "PUT", "cdrs/receiver", "POST"],
      [w.emsp, "GET", "commands/receiver/START_SESSION", "POST"],
      [w.emsp, "PUT", "locations/sender", "GET"],
      [w.cpo, "GET", "tokens/sender/012345678/authorize", "POST"],
    ];
    for (const [from, method, path, allowed] of cases) {
      const answer = await expectRefused(
        () => toPeer(w, from, method, path, { body: method === "GET" ? undefined : location() }),
        405,
        2000,
        { message: [method, allowed], context: `${method} ${path}`, unforwarded: w.fakes },
      );
      expect(answer.headers.get("allow"), `${method} ${path}`).toContain(allowed);
    }
    await expectStillRoutes(w);
  });

  it("answers HTTP 401 without a token, with an unknown one, or with Token A of an invited platform", async () => {
    const invitedRole: FakeRole = { role: "EMSP", country_code: "FR", party_id: "TKA" };
    const invited = await w.hub.invite([invitedRole], "Invited");
    const headers = {
      "ocpi-from-country-code": "NL",
      "ocpi-to-country-code": "DE",
      "ocpi-from-party-id": "CPO",
      "ocpi-to-party-id": "EMS",
    };
    const url = ocpi(w, "locations/receiver/NL/CPO/LOC1");
    const anonymous = async () => {
      const res = await fetch(url, {
        method: "PUT",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(location()),
      });
      return { status: res.status, headers: res.headers, body: await res.json() };
    };
    await expectRefused(anonymous, 401, 2000, {
      message: ["Authorization"],
      context: "no Authorization",
      unforwarded: w.fakes,
    });
    await expectRefused(
      () => w.cpo.hubCall("PUT", url, { token: "no-such-token-0000", headers, body: location() }),
      401,
      2000,
      { message: ["token"], context: "unknown token", unforwarded: w.fakes },
    );
    await expectRefused(
      () =>
        w.cpo.hubCall("PUT", ocpi(w, "tokens/receiver/FR/TKA/1"), {
          token: invited.token_a,
          headers: {
            ...headers,
            "ocpi-from-country-code": "FR",
            "ocpi-from-party-id": "TKA",
            "ocpi-to-country-code": "NL",
            "ocpi-to-party-id": "CPO",
          },
          body: { ...token(), country_code: "FR", party_id: "TKA", uid: "1" },
        }),
      401,
      2000,
      { message: ["registration"], context: "Token A", unforwarded: w.fakes },
    );
    await expectStillRoutes(w);
  });
});

/**
 * Module endpoints on a plain node:http server, for answers FakePlatform
 * cannot give (headers, then a body that stalls or trickles). `answer`
 * writes to the response and may never end it.
 */
async function rawEndpoints(answer: (res: ServerResponse) => void) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    hits,
    endpointUrl: (identifier: string, role: Iface) =>
      `${base}/ocpi/2.2.1/${identifier}/${role.toLowerCase()}`,
    close: () => closeServer(server),
  };
}

describe("receivers that fail (FORWARD_TIMEOUT_MS=300)", () => {
  let w: World;
  let gone: FakePlatform;
  /** What a platform answers to its next module requests instead of the default. */
  const faults = new Map<FakePlatform, Reply>();
  let ids = 0;

  /** A CPO → eMSP location push with a fresh id; the id is in the forwarded URL, so in the hub's log. */
  const pushTo = async (to = "DE/EMS") => {
    const id = `FAIL-${++ids}`;
    const answer = await w.cpo.hubRoute("PUT", ocpi(w, `locations/receiver/NL/CPO/${id}`), {
      to,
      body: location(id),
    });
    return { id, answer };
  };

  /** The hub's log lines at warn or above about the forward to `id`. */
  const forwardLog = (id: string) =>
    w.hub.logs.filter(
      (l) =>
        (l.level === "warn" || l.level === "error") &&
        typeof l.url === "string" &&
        l.url.endsWith(`/NL/CPO/${id}`),
    );

  beforeAll(async () => {
    w = await startWorld({ FORWARD_TIMEOUT_MS: "300" });
    const connected = await w.hub.connect([{ role: "EMSP", country_code: "GB", party_id: "GON" }], {
      modules: EMSP_MODULES,
      name: "Gone App",
    });
    gone = connected.platform;
    for (const platform of [w.cpo, w.emsp]) platform.on(() => faults.get(platform));
  });

  afterEach(() => {
    faults.clear();
  });

  afterAll(async () => {
    await w?.hub.close();
  });

  const FAILURES: [string, Reply, number, string, string[]][] = [
    ["sleeps past the forward timeout", { delayMs: 1000 }, 4002, "timeout", ["300 ms"]],
    ["drops the connection without an answer", { reset: true }, 4003, "unreachable", []],
    [
      "answers an HTML page",
      {
        raw: "<html><body><h1>502 Bad Gateway</h1></body></html>",
        headers: { "content-type": "text/html" },
      },
      3000,
      "invalid-response",
      ["not JSON"],
    ],
    [
      "answers JSON without status_code",
      { body: { data: { id: "LOC1" }, timestamp: "2024-01-02T03:04:05Z" } },
      3000,
      "invalid-response",
      ["envelope"],
    ],
    ["answers an empty body", { raw: "" }, 3000, "invalid-response", ["empty"]],
    ["breaks off its answer midway", { truncate: true }, 3000, "invalid-response", ["broke off"]],
  ];

  it.each(FAILURES)(
    "answers HTTP 200 with the hub's own code when the receiver %s, logs it, and routes again after",
    async (_what, fault, statusCode, failure, mentions) => {
      faults.set(w.emsp, fault);
      const before = w.emsp.moduleRequests("locations", "RECEIVER").length;
      const { id, answer } = await pushTo();
      expectRefused(answer, 200, statusCode, { message: ["DE/EMS", EMSP_NAME, ...mentions] });
      // The request did reach the receiver: the failure is its answer.
      expect(w.emsp.moduleRequests("locations", "RECEIVER").length).toBe(before + 1);
      const logged = forwardLog(id);
      expect(logged.map((l) => [l.level, l.msg, l.failure])).toContainEqual([
        "warn",
        "forwarded request failed",
        failure,
      ]);
      faults.delete(w.emsp);
      await expectStillRoutes(w);
    },
  );

  it("answers 4003 when the receiver's server is gone, and routes to others", async () => {
    await gone.close();
    const { id, answer } = await pushTo("GB/GON");
    expectRefused(answer, 200, 4003, { message: ["GB/GON", "Gone App"] });
    expect(forwardLog(id).map((l) => [l.level, l.failure])).toContainEqual(["warn", "unreachable"]);
    await expectStillRoutes(w);
  });

  it.each([
    [
      "sends its headers, then stalls the body",
      "SL1",
      (res: ServerResponse) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "200" });
        res.write('{"status_code":1000,');
      },
    ],
    [
      "trickles its answer, one byte every 50 ms, past the timeout",
      "SL2",
      (res: ServerResponse) => {
        res.writeHead(200, { "content-type": "application/json" });
        const text = JSON.stringify({ status_code: 1000, timestamp: "2024-01-02T03:04:05Z" });
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed || sent >= text.length) {
            clearInterval(timer);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(text[sent++]);
        }, 50);
      },
    ],
  ] as [string, string, (res: ServerResponse) => void][])(
    "answers 4002 when the receiver %s",
    async (_what, partyId, answer) => {
      const endpoints = await rawEndpoints(answer);
      const role: FakeRole = { role: "EMSP", country_code: "GB", party_id: partyId };
      const slow = await w.hub.fake({ roles: [role], modules: EMSP_MODULES });
      // Its version details point the hub at the plain server's module endpoints.
      slow.endpointUrl = endpoints.endpointUrl;
      try {
        const invited = await w.hub.invite([role], "Slow App");
        const registered = await slow.register(invited.versions_url, invited.token_a);
        expect(registered.body.status_code).toBe(1000);
        const { id, answer: got } = await pushTo(`GB/${partyId}`);
        expectRefused(got, 200, 4002, {
          message: [`GB/${partyId}`, "Slow App"],
          context: "the push to the slow receiver",
        });
        expect(endpoints.hits).toEqual([`PUT /ocpi/2.2.1/locations/receiver/NL/CPO/${id}`]);
        expect(forwardLog(id).map((l) => [l.level, l.failure])).toContainEqual(["warn", "timeout"]);
      } finally {
        await endpoints.close();
      }
      await expectStillRoutes(w);
    },
  );

  it("answers 4003, never HTTP 401, when the receiver refuses the hub's token", async () => {
    faults.set(w.emsp, {
      status: 401,
      body: w.emsp.envelope(undefined, 2000, "Unauthorized: unknown token"),
    });
    const first = await pushTo();
    expectRefused(first.answer, 200, 4003, { message: ["DE/EMS", "credentials"] });
    expect(first.answer.body.status_message).not.toContain("Unauthorized");
    expect(forwardLog(first.id).length).toBeGreaterThan(0);
    faults.delete(w.emsp);

    // The same for real: the eMSP stops accepting the token it gave the hub.
    const issued = w.emsp.tokenForHub;
    w.emsp.newTokenForHub();
    try {
      const second = await pushTo();
      expectRefused(second.answer, 200, 4003, { message: ["DE/EMS"] });
      const refused = w.emsp.requests.at(-1);
      expect(refused?.path).toBe(`/ocpi/2.2.1/locations/receiver/NL/CPO/${second.id}`);
      expect(refused?.token).toBeUndefined();
      expect(forwardLog(second.id).length).toBeGreaterThan(0);
    } finally {
      w.emsp.tokenForHub = issued;
    }
    await expectStillRoutes(w);
  });

  it.each([
    ["an empty body", { status: 401, raw: "" }],
    [
      "an HTML page",
      {
        status: 401,
        raw: "<html>401 Authorization Required</html>",
        headers: { "content-type": "text/html" },
      },
    ],
    ["JSON that is not an envelope", { status: 401, body: { error: "invalid_token" } }],
  ] as [string, Reply][])(
    "answers 4003 when the receiver answers HTTP 401 with %s, as for any refusal of the hub's token",
    async (_what, fault) => {
      faults.set(w.emsp, fault);
      const { id, answer } = await pushTo();
      expectRefused(answer, 200, 4003, { message: ["DE/EMS"] });
      expect(forwardLog(id).length).toBeGreaterThan(0);
      faults.delete(w.emsp);
      await expectStillRoutes(w);
    },
  );

  it("keeps a command's callback when the eMSP cannot take the result, so the CPO can post it again", async () => {
    faults.set(w.cpo, { body: w.cpo.envelope({ result: "ACCEPTED", timeout: 30 }) });
    const answerUrl = `${w.emsp.endpointUrl("commands", "SENDER")}/retry-1`;
    const sent = await w.emsp.hubRoute("POST", ocpi(w, "commands/receiver/START_SESSION"), {
      to: "NL/CPO",
      body: { ...startSession(), response_url: answerUrl },
    });
    expect(sent.body.status_code).toBe(1000);
    const callbackUrl = hubCallbackUrl(w);

    const result = { result: "ACCEPTED" };
    const post = () => w.cpo.hubRoute("POST", callbackUrl, { body: result });
    const failures: [Reply, number][] = [
      [{ delayMs: 1000 }, 4002],
      [{ reset: true }, 4003],
      [{ raw: "<html>oops</html>" }, 3000],
    ];
    for (const [fault, statusCode] of failures) {
      faults.set(w.emsp, fault);
      expectRefused(await post(), 200, statusCode, {
        message: ["DE/EMS"],
        context: JSON.stringify(fault),
      });
    }
    faults.delete(w.emsp);
    const delivered = await post();
    expect(delivered.status).toBe(200);
    expect(delivered.body.status_code).toBe(1000);
    const got = w.emsp.moduleRequests("commands", "SENDER").at(-1);
    expect(got?.tail).toBe("/retry-1");
    expect(got?.body).toEqual(result);
    // Taken once: a second result has nowhere to go.
    expectRefused(await post(), 404, 4001, { message: ["callback"], context: "second result" });
    faults.clear();
    await expectStillRoutes(w);
  });

  describe("a receiver's own error answers", () => {
    const at = "2024-01-02T03:04:05Z";
    const RELAYED: [string, number, Json][] = [
      [
        "HTTP 200 + 2001 (bad tariff)",
        200,
        { status_code: 2001, status_message: "bad tariff", timestamp: at },
      ],
      [
        "HTTP 500 + 3000",
        500,
        { status_code: 3000, status_message: "database down", timestamp: at },
      ],
      [
        "HTTP 200 + 3001",
        200,
        { status_code: 3001, status_message: "cannot use your API", timestamp: at },
      ],
      [
        "HTTP 400 + 2000 with data",
        400,
        { data: { reason: "x" }, status_code: 2000, status_message: "no", timestamp: at },
      ],
    ];

    it.each(RELAYED)("relays %s to the requester byte for byte", async (_what, status, body) => {
      // Indented on purpose: the hub must pass the text on, not re-serialize it.
      const raw = JSON.stringify(body, null, 2);
      faults.set(w.emsp, { status, raw });
      const res = await fetch(ocpi(w, "tariffs/receiver/NL/CPO/12"), {
        method: "PUT",
        headers: {
          authorization: `Token ${Buffer.from(String(w.cpo.hubToken)).toString("base64")}`,
          "content-type": "application/json",
          "ocpi-from-country-code": "NL",
          "ocpi-from-party-id": "CPO",
          "ocpi-to-country-code": "DE",
          "ocpi-to-party-id": "EMS",
        },
        body: JSON.stringify(tariff()),
      });
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(raw);
      expect(res.headers.get("ocpi-from-country-code")).toBe("DE");
      expect(res.headers.get("ocpi-from-party-id")).toBe("EMS");
      expect(res.headers.get("ocpi-to-country-code")).toBe("NL");
      expect(res.headers.get("ocpi-to-party-id")).toBe("CPO");
      faults.delete(w.emsp);
      await expectStillRoutes(w);
    });

    it("relays the eMSP's HTTP 404 + 2004 to an authorize and the CPO's 2003 to a location GET", async () => {
      const unknownToken = { status_code: 2004, status_message: "unknown token", timestamp: at };
      faults.set(w.emsp, { status: 404, body: unknownToken });
      const authorize = await w.cpo.hubRoute(
        "POST",
        ocpi(w, "tokens/sender/0000000000/authorize?type=RFID"),
        { to: "DE/EMS" },
      );
      expect(authorize.status).toBe(404);
      expect(authorize.body).toEqual(unknownToken);

      const unknownLocation = { status_code: 2003, status_message: "no LOC9", timestamp: at };
      faults.set(w.cpo, { status: 404, body: unknownLocation });
      const get = await w.emsp.hubRoute("GET", ocpi(w, "locations/sender/LOC9"), { to: "NL/CPO" });
      expect(get.status).toBe(404);
      expect(get.body).toEqual(unknownLocation);
      faults.clear();
      await expectStillRoutes(w);
    });
  });
});
