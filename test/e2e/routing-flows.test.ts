import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboundRequest } from "../../src/egress/ocpi-client.js";
import { CommandType } from "../../src/ocpi/schemas/commands.js";
import { example, forEmsp } from "../support/examples.js";
import { expectRouting } from "../support/expect.js";
import type { FakePlatform, HubAnswer, ModuleRequest } from "../support/fake-platform.js";
import { CPO_MODULES, EMSP_MODULES, ROUTED_MODULES } from "../support/routed-modules.js";
import { startHub, type TestHub } from "../support/test-hub.js";

type Role = "SENDER" | "RECEIVER";

const CPO = "NL/CPO";
const EMSP = "DE/EMS";
const cpoRole = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole = { role: "EMSP", country_code: "DE", party_id: "EMS" };

const location = { ...example("location_example.json"), country_code: "NL", party_id: "CPO" };
const session = forEmsp("session_example_1_simple_start.json", cpoRole, emspRole);
const cdr = forEmsp("cdr_example.json", cpoRole, emspRole);
const tariff = { ...example("tariff_1_simple_2hour.json"), country_code: "NL", party_id: "CPO" };
const token = { ...example("token_put_example.json"), country_code: "DE", party_id: "EMS" };
const appUserToken = {
  ...example("token_example_1_app_user.json"),
  country_code: "DE",
  party_id: "EMS",
};

const CALLBACK = (hubUrl: string, module: string) =>
  new RegExp(
    `^${hubUrl.replace(/[.]/g, "\\.")}/ocpi/2\\.2\\.1/${module}/sender/[A-Za-z0-9_-]{32}$`,
  );

/** What the receiver answers: an envelope, sent pretty-printed so its bytes are its own. */
interface Answer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Trip {
  sender: FakePlatform;
  from: string;
  receiver: FakePlatform;
  to: string;
  method: string;
  /** After {hub}/ocpi/2.2.1/, e.g. "locations/receiver/NL/CPO/LOC1?x=1". */
  path: string;
  body?: unknown;
  /** The body the receiver should get when the hub rewrites it (response_url). */
  forwardedBody?: unknown;
  /** Where the receiver gets it when that is not the same module, interface, tail and query. */
  at?: { module: string; role: Role; tail: string; query?: string };
  /** The query is rewritten (response_url): the test checks it itself. */
  rewritesQuery?: boolean;
  answer: Answer;
}

interface TripResult {
  answer: HubAnswer;
  got: ModuleRequest;
  /** The URL the hub called, exactly as it built it. */
  outboundUrl: string;
  requestId: string;
  correlationId: string;
}

let hub: TestHub;
let cpo: FakePlatform;
let emsp: FakePlatform;
/** Every request the hub sent out, in order. */
const outbound: OutboundRequest[] = [];

/** The receiver answers its next module request with `answer`, then leaves the rest to others. */
function answerNext(platform: FakePlatform, answer: Answer) {
  let used = false;
  platform.on(() => {
    if (used) return undefined;
    used = true;
    return {
      status: answer.status,
      raw: JSON.stringify(answer.body, null, 2),
      headers: answer.headers,
    };
  });
}

const split = (party: string) => party.split("/") as [string, string];

/**
 * Sends one request through the hub with direct routing and checks both
 * legs: the receiver got the same method, tail, query and bytes with the
 * hub's token for it, a new X-Request-ID, the same X-Correlation-ID and the
 * routing pair as sent; the requester got the receiver's status and body
 * with its own ids and the pair turned around.
 */
async function roundTrip(trip: Trip): Promise<TripResult> {
  const requestId = `req-${randomUUID()}`;
  const correlationId = `corr-${randomUUID()}`;
  const [pathOnly, query = ""] = trip.path.split("?") as [string, string?];
  const [module, iface, ...rest] = pathOnly.split("/") as [string, string, ...string[]];
  const at = trip.at ?? {
    module,
    role: iface.toUpperCase() as Role,
    tail: rest.length === 0 ? "" : `/${rest.join("/")}`,
    query,
  };
  const raw = trip.body === undefined ? undefined : JSON.stringify(trip.body, null, 2);
  answerNext(trip.receiver, trip.answer);
  const seen = trip.receiver.moduleRequests().length;
  const calls = outbound.length;

  const answer = await trip.sender.hubRoute(trip.method, `${hub.url}/ocpi/2.2.1/${trip.path}`, {
    from: trip.from,
    to: trip.to,
    rawBody: raw,
    headers: { "x-request-id": requestId, "x-correlation-id": correlationId },
  });

  const received = trip.receiver.moduleRequests().slice(seen);
  expect(
    received,
    `requests at the receiver; the hub answered ${JSON.stringify(answer.body)}`,
  ).toHaveLength(1);
  const got = received[0] as ModuleRequest;
  expect(outbound.slice(calls)).toHaveLength(1);
  const outboundUrl = (outbound[calls] as OutboundRequest).url;

  expect(got.method).toBe(trip.method);
  expect(got.module).toBe(at.module);
  expect(got.role).toBe(at.role);
  expect(got.tail).toBe(at.tail);
  expect(got.path).toBe(`/ocpi/2.2.1/${at.module}/${at.role.toLowerCase()}${at.tail}`);
  if (!trip.rewritesQuery) {
    const q = at.query ?? "";
    const endpoint = trip.receiver.endpointUrl(at.module, at.role).replace(/\/$/, "");
    expect(outboundUrl).toBe(`${endpoint}${at.tail}${q === "" ? "" : `?${q}`}`);
    expect(got.query.toString()).toBe(new URLSearchParams(q).toString());
  }
  if (trip.body === undefined) {
    expect(got.body).toBeUndefined();
  } else if (trip.forwardedBody !== undefined) {
    expect(got.body).toEqual(trip.forwardedBody);
  } else {
    expect(got.body).toEqual(trip.body);
    // Byte for byte: the pretty-printed text arrives with its own length.
    expect(got.headers["content-length"]).toBe(String(Buffer.byteLength(raw as string)));
  }
  expect(got.token).toBe(trip.receiver.tokenForHub);
  expect(got.headers.authorization).toBe(
    `Token ${Buffer.from(trip.receiver.tokenForHub).toString("base64")}`,
  );
  expect(got.headers["x-request-id"]).toMatch(/\S/);
  expect(got.headers["x-request-id"]).not.toBe(requestId);
  expect(got.headers["x-correlation-id"]).toBe(correlationId);
  expectRouting(got.headers, trip.to, trip.from);

  expect(answer.status).toBe(trip.answer.status ?? 200);
  expect(answer.body).toEqual(trip.answer.body);
  // Relayed as received: the receiver's pretty-printed text, not a re-serialization.
  expect(answer.headers.get("content-length")).toBe(
    String(Buffer.byteLength(JSON.stringify(trip.answer.body, null, 2))),
  );
  expect(answer.headers.get("x-request-id")).toBe(requestId);
  expect(answer.headers.get("x-correlation-id")).toBe(correlationId);
  expectRouting(answer.headers, trip.from, trip.to);
  return { answer, got, outboundUrl, requestId, correlationId };
}

const ok = (data?: unknown, message?: string): Answer => ({
  body: {
    data,
    status_code: 1000,
    status_message: message,
    timestamp: "2024-05-01T10:00:00Z",
  },
});

/** A trip without its parties. */
type Leg = Omit<Trip, "sender" | "from" | "receiver" | "to">;

/** A round trip from the CPO to the eMSP. */
const cpoToEmsp = (leg: Leg) =>
  roundTrip({ sender: cpo, from: CPO, receiver: emsp, to: EMSP, ...leg });

/** A round trip from the eMSP to the CPO. */
const emspToCpo = (leg: Leg) =>
  roundTrip({ sender: emsp, from: EMSP, receiver: cpo, to: CPO, ...leg });

/** A hub URL's path after {hub}/ocpi/2.2.1/, for `Trip.path`. */
const hubPath = (url: string) => url.slice(`${hub.url}/ocpi/2.2.1/`.length);

/** A list GET whose answer has X-Total-Count and X-Limit: both reach the requester. */
async function listWithTotals(
  trip: (leg: Leg) => Promise<TripResult>,
  path: string,
  data: unknown[],
  total: string,
  limit: string,
): Promise<TripResult> {
  const result = await trip({
    method: "GET",
    path,
    answer: { ...ok(data), headers: { "X-Total-Count": total, "X-Limit": limit } },
  });
  expect(result.answer.headers.get("x-total-count")).toBe(total);
  expect(result.answer.headers.get("x-limit")).toBe(limit);
  return result;
}

beforeAll(async () => {
  hub = await startHub();
  const send = hub.deps.client.send.bind(hub.deps.client);
  hub.deps.client.send = (req) => {
    outbound.push(req);
    return send(req);
  };
  ({ platform: cpo } = await hub.connect([cpoRole], {
    name: "CPO platform",
    modules: CPO_MODULES,
  }));
  ({ platform: emsp } = await hub.connect([emspRole], {
    name: "eMSP platform",
    modules: EMSP_MODULES,
  }));
});

afterAll(async () => {
  await hub?.close();
});

describe("version details", () => {
  it("lists a SENDER and a RECEIVER of each of the 7 functional modules under {hub}/ocpi/2.2.1/{module}/{sender|receiver}", async () => {
    const res = await cpo.hubCall("GET", `${hub.url}/ocpi/2.2.1`);
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    const endpoints = res.body.data.endpoints as {
      identifier: string;
      role: string;
      url: string;
    }[];
    for (const module of ROUTED_MODULES) {
      for (const role of ["SENDER", "RECEIVER"]) {
        expect(endpoints.filter((e) => e.identifier === module && e.role === role)).toEqual([
          {
            identifier: module,
            role,
            url: `${hub.url}/ocpi/2.2.1/${module}/${role.toLowerCase()}`,
          },
        ]);
      }
    }
  });
});

describe("locations", () => {
  const evse = { ...location.evses[1], uid: "3258", evse_id: "NL*CPO*E3258" };
  const connector = { ...location.evses[0].connectors[0], id: "3" };

  it.each([
    ["a Location", "NL/CPO/LOC1", location],
    ["an EVSE", "NL/CPO/LOC1/3258", evse],
    ["a Connector", "NL/CPO/LOC1/3256/3", connector],
  ])("CPO PUT of %s reaches the eMSP's locations Receiver", async (_what, tail, body) => {
    await cpoToEmsp({
      method: "PUT",
      path: `locations/receiver/${tail}`,
      body,
      answer: ok(undefined, "stored"),
    });
  });

  it.each([
    ["location", "NL/CPO/LOC1", "location_patch_example_location.json"],
    ["EVSE", "NL/CPO/LOC1/3256", "location_patch_example_status.json"],
    ["connector", "NL/CPO/LOC1/3256/1", "location_patch_example_tariff.json"],
  ])("CPO PATCH at %s level reaches the eMSP's locations Receiver", async (_level, tail, file) => {
    await cpoToEmsp({
      method: "PATCH",
      path: `locations/receiver/${tail}`,
      body: example(file),
      answer: ok(undefined, "patched"),
    });
  });

  it.each([
    ["location", "NL/CPO/LOC1", location],
    ["EVSE", "NL/CPO/LOC1/3256", location.evses[0]],
    ["connector", "NL/CPO/LOC1/3256/1", location.evses[0].connectors[0]],
  ])(
    "CPO GET of the eMSP's copy at %s level relays the eMSP's object",
    async (_level, tail, data) => {
      await cpoToEmsp({
        method: "GET",
        path: `locations/receiver/${tail}`,
        answer: ok(data),
      });
    },
  );

  it("eMSP list GET passes the CPO's totals on and pages on through the hub's Sender URL with the CPO's query", async () => {
    const cpoSender = cpo.endpointUrl("locations", "SENDER");
    const first = await emspToCpo({
      method: "GET",
      path: "locations/sender?date_from=2019-01-01T00:00:00Z&offset=0&limit=2",
      answer: {
        ...ok([location, { ...location, id: "LOC2" }]),
        headers: {
          "X-Total-Count": "3",
          "X-Limit": "2",
          Link: `<${cpoSender}?date_from=2019-01-01T00:00:00Z&offset=2&limit=2&cursor=cpo-7>; rel="next"`,
        },
      },
    });
    expect(first.answer.headers.get("x-total-count")).toBe("3");
    expect(first.answer.headers.get("x-limit")).toBe("2");
    const link = first.answer.headers.get("link");
    expect(link).toBe(
      `<${hub.url}/ocpi/2.2.1/locations/sender?date_from=2019-01-01T00:00:00Z&offset=2&limit=2&cursor=cpo-7>; rel="next"`,
    );

    const next = /^<([^>]+)>/.exec(link as string)?.[1] as string;
    const second = await emspToCpo({
      method: "GET",
      path: hubPath(next),
      answer: {
        ...ok([{ ...location, id: "LOC3" }]),
        headers: { "X-Total-Count": "3", "X-Limit": "2" },
      },
    });
    expect(second.got.query.get("cursor")).toBe("cpo-7");
    expect(second.got.query.get("offset")).toBe("2");
    expect(second.answer.headers.get("x-total-count")).toBe("3");
    expect(second.answer.headers.get("link")).toBeNull();
  });

  it.each([
    ["location", "LOC1", location],
    ["EVSE", "LOC1/3256", location.evses[0]],
    ["connector", "LOC1/3256/1", location.evses[0].connectors[0]],
  ])("eMSP GET of one %s reaches the CPO's locations Sender", async (_level, tail, data) => {
    await emspToCpo({
      method: "GET",
      path: `locations/sender/${tail}`,
      answer: ok(data),
    });
  });
});

describe("sessions", () => {
  it("CPO PUT of a Session reaches the eMSP's sessions Receiver", async () => {
    await cpoToEmsp({
      method: "PUT",
      path: "sessions/receiver/NL/CPO/101",
      body: session,
      answer: ok(undefined, "session stored"),
    });
  });

  it.each(["session_patch_example_charging_period.json", "session_patch_example_total_cost.json"])(
    "CPO PATCH (%s) reaches the eMSP's sessions Receiver",
    async (file) => {
      await cpoToEmsp({
        method: "PATCH",
        path: "sessions/receiver/NL/CPO/101",
        body: example(file),
        answer: ok(),
      });
    },
  );

  it("CPO GET of the eMSP's copy of a Session relays it", async () => {
    await cpoToEmsp({
      method: "GET",
      path: "sessions/receiver/NL/CPO/101",
      answer: ok(session),
    });
  });

  it("eMSP list GET with date_from reaches the CPO's sessions Sender with its totals relayed", async () => {
    const { answer } = await listWithTotals(
      emspToCpo,
      "sessions/sender?date_from=2020-03-09T00:00:00Z&offset=0&limit=10",
      [session],
      "1",
      "10",
    );
    expect(answer.headers.get("link")).toBeNull();
  });

  it("eMSP PUT of charging preferences gets the CPO's ChargingPreferencesResponse", async () => {
    await emspToCpo({
      method: "PUT",
      path: "sessions/sender/101/charging_preferences",
      body: {
        profile_type: "FAST",
        departure_time: "2020-03-09T15:00:00Z",
        energy_need: 32.5,
        discharge_allowed: false,
      },
      answer: ok("DEPARTURE_REQUIRED"),
    });
  });
});

describe("cdrs", () => {
  it("CPO POST of a CDR: the eMSP's Location becomes a hub URL through which the CPO GETs the eMSP's CDR", async () => {
    const emspCdrUrl = `${emsp.endpointUrl("cdrs", "RECEIVER")}/NL/CPO/12345`;
    const posted = await cpoToEmsp({
      method: "POST",
      path: "cdrs/receiver",
      body: cdr,
      answer: { ...ok(), headers: { Location: emspCdrUrl } },
    });
    const location = posted.answer.headers.get("location") as string;
    const prefix = `${hub.url}/ocpi/2.2.1/cdrs/receiver/`;
    expect(location.startsWith(prefix), location).toBe(true);
    expect(location.slice(prefix.length)).toMatch(/^[A-Za-z0-9_-]+$/);

    const fetched = await cpoToEmsp({
      method: "GET",
      path: hubPath(location),
      at: { module: "cdrs", role: "RECEIVER", tail: "/NL/CPO/12345" },
      answer: ok(cdr),
    });
    expect(fetched.outboundUrl).toBe(emspCdrUrl);

    const seen = emsp.requests.length;
    // An eMSP may not use the CPO's CDR links: the role rule refuses it before the link is looked up.
    const stranger = await emsp.hubRoute("GET", location, { from: EMSP, to: CPO });
    expect(stranger.body.status_code).toBe(2000);
    expect(stranger.body.status_message).toMatch(/is an EMSP; only CPO may read cdrs/);
    expect(emsp.requests.length).toBe(seen);
  });

  it("CPO POST of a CDR whose Location the URL policy refuses (a user name): relayed without a Location, nothing stored", async () => {
    const refused = `${emsp.endpointUrl("cdrs", "RECEIVER")}/NL/CPO/12345`.replace(
      "http://",
      "http://user:secret@",
    );
    const posted = await cpoToEmsp({
      method: "POST",
      path: "cdrs/receiver",
      body: cdr,
      answer: { ...ok(), headers: { Location: refused } },
    });
    expect(posted.answer.body.status_code).toBe(1000);
    expect(posted.answer.headers.get("location")).toBeNull();
    expect(hub.logText()).toContain("the eMSP's CDR Location is refused by the URL policy");
    expect(hub.logText()).not.toContain("user:secret");
  });

  it("eMSP list GET reaches the CPO's cdrs Sender with its totals relayed", async () => {
    await listWithTotals(
      emspToCpo,
      "cdrs/sender?date_from=2015-06-01T00:00:00Z&date_to=2015-07-01T00:00:00Z&limit=5",
      [cdr],
      "1",
      "5",
    );
  });
});

describe("tariffs", () => {
  it("CPO PUT of a Tariff reaches the eMSP's tariffs Receiver", async () => {
    await cpoToEmsp({
      method: "PUT",
      path: "tariffs/receiver/NL/CPO/12",
      body: tariff,
      answer: ok(),
    });
  });

  it("CPO GET of the eMSP's copy of a Tariff relays it", async () => {
    await cpoToEmsp({
      method: "GET",
      path: "tariffs/receiver/NL/CPO/12",
      answer: ok(tariff),
    });
  });

  it("CPO DELETE of a Tariff reaches the eMSP's tariffs Receiver", async () => {
    await cpoToEmsp({
      method: "DELETE",
      path: "tariffs/receiver/NL/CPO/12",
      answer: ok(undefined, "deleted"),
    });
  });

  it("eMSP list GET reaches the CPO's tariffs Sender with its totals relayed", async () => {
    await listWithTotals(emspToCpo, "tariffs/sender?offset=0&limit=20", [tariff], "1", "20");
  });
});

describe("tokens", () => {
  it("eMSP PUT of a Token reaches the CPO's tokens Receiver", async () => {
    await emspToCpo({
      method: "PUT",
      path: "tokens/receiver/DE/EMS/012345678",
      body: token,
      answer: ok(),
    });
  });

  it("eMSP PUT of an APP_USER Token keeps ?type=APP_USER in the forwarded query", async () => {
    const { got } = await emspToCpo({
      method: "PUT",
      path: `tokens/receiver/DE/EMS/${appUserToken.uid}?type=APP_USER`,
      body: appUserToken,
      answer: ok(),
    });
    expect(got.query.get("type")).toBe("APP_USER");
  });

  it("eMSP PATCH of a Token reaches the CPO's tokens Receiver", async () => {
    await emspToCpo({
      method: "PATCH",
      path: "tokens/receiver/DE/EMS/012345678?type=RFID",
      body: example("token_patch_example.json"),
      answer: ok(),
    });
  });

  it("eMSP GET of the CPO's copy of a Token relays it", async () => {
    await emspToCpo({
      method: "GET",
      path: "tokens/receiver/DE/EMS/012345678?type=RFID",
      answer: ok({ ...token, valid: false, last_updated: "2019-06-19T02:11:11Z" }),
    });
  });

  it("CPO list GET reaches the eMSP's tokens Sender with its totals relayed", async () => {
    await listWithTotals(
      cpoToEmsp,
      "tokens/sender?offset=0&limit=50",
      [token, appUserToken],
      "2",
      "50",
    );
  });

  it("CPO POST authorize with LocationReferences gets the eMSP's AuthorizationInfo", async () => {
    await cpoToEmsp({
      method: "POST",
      path: "tokens/sender/012345678/authorize?type=RFID",
      body: { location_id: "LOC1", evse_uids: ["3256", "3257"] },
      answer: ok({
        allowed: "ALLOWED",
        token,
        location: { location_id: "LOC1", evse_uids: ["3256"] },
        authorization_reference: "auth-42",
      }),
    });
  });

  it("CPO POST authorize without a body is forwarded without one", async () => {
    const { got } = await cpoToEmsp({
      method: "POST",
      path: "tokens/sender/012345678/authorize",
      answer: ok({ allowed: "BLOCKED", token }),
    });
    expect(got.headers["content-length"] ?? "0").toBe("0");
  });

  it("the eMSP's HTTP 404 with 2004 (unknown token) comes back unchanged", async () => {
    await cpoToEmsp({
      method: "POST",
      path: "tokens/sender/UNKNOWN1/authorize",
      answer: {
        status: 404,
        body: {
          status_code: 2004,
          status_message: "Unknown token",
          timestamp: "2024-05-01T10:00:00Z",
        },
      },
    });
  });
});

describe("commands", () => {
  const expiry = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  /** Each command's body besides its response_url. */
  const fields: Record<CommandType, Record<string, unknown>> = {
    START_SESSION: { token, location_id: "LOC1", evse_uid: "3256", connector_id: "1" },
    STOP_SESSION: { session_id: "101" },
    RESERVE_NOW: {
      token,
      expiry_date: expiry,
      reservation_id: "R-1",
      location_id: "LOC1",
      evse_uid: "3256",
    },
    CANCEL_RESERVATION: { reservation_id: "R-1" },
    UNLOCK_CONNECTOR: { location_id: "LOC1", evse_uid: "3256", connector_id: "1" },
  };

  it.each(CommandType.options.map((command) => [command, fields[command]] as const))(
    "%s: CommandResponse relayed, the CPO's CommandResult reaches the eMSP's response_url and the eMSP's answer comes back",
    async (command, fields) => {
      const responseUrl = `${emsp.endpointUrl("commands", "SENDER")}/${command}/abc`;
      const body = { response_url: responseUrl, ...fields };
      const sent = await emspToCpo({
        method: "POST",
        path: `commands/receiver/${command}`,
        body,
        forwardedBody: {
          ...body,
          response_url: expect.stringMatching(CALLBACK(hub.url, "commands")),
        },
        answer: ok({ result: "ACCEPTED", timeout: 30 }),
      });
      const hubCallback = (sent.got.body as { response_url: string }).response_url;
      expect(hubCallback).not.toBe(responseUrl);

      await cpoToEmsp({
        method: "POST",
        path: hubPath(hubCallback),
        body: { result: "ACCEPTED", message: [{ language: "en", text: `${command} done` }] },
        at: { module: "commands", role: "SENDER", tail: `/${command}/abc` },
        answer: ok(undefined, `result of ${command} taken`),
      });
    },
  );
});

describe("chargingprofiles", () => {
  const profile = {
    start_date_time: "2024-05-01T10:00:00Z",
    duration: 900,
    charging_rate_unit: "W",
    min_charging_rate: 1400,
    charging_profile_period: [
      { start_period: 0, limit: 11000 },
      { start_period: 600, limit: 7400.5 },
    ],
  };
  const emspSender = () => emsp.endpointUrl("chargingprofiles", "SENDER");

  /** The CPO posts `result` to the hub's callback URL; it reaches the eMSP's response_url. */
  async function deliverResult(hubCallback: string, tail: string, result: unknown) {
    await cpoToEmsp({
      method: "POST",
      path: hubPath(hubCallback),
      body: result,
      at: { module: "chargingprofiles", role: "SENDER", tail },
      answer: ok(undefined, "result taken"),
    });
  }

  /**
   * The eMSP sends `method` for session 101 with `query` and its own
   * response_url; the CPO gets the hub's callback URL in its place, URL-encoded
   * at the end of the query.
   */
  async function sendWithCallbackQuery(method: string, query: string, ref: string) {
    const responseUrl = `${emspSender()}/results/${ref}`;
    const sent = await emspToCpo({
      method,
      path: `chargingprofiles/receiver/101?${query}response_url=${encodeURIComponent(responseUrl)}`,
      rewritesQuery: true,
      answer: ok({ result: "ACCEPTED", timeout: 30 }),
    });
    const hubCallback = sent.got.query.get("response_url") as string;
    expect(hubCallback).toMatch(CALLBACK(hub.url, "chargingprofiles"));
    expect(sent.outboundUrl).toBe(
      `${cpo.endpointUrl("chargingprofiles", "RECEIVER")}/101?${query}response_url=${encodeURIComponent(hubCallback)}`,
    );
    return { sent, hubCallback };
  }

  it("PUT SetChargingProfile: ChargingProfileResponse relayed, the ChargingProfileResult reaches the eMSP's response_url", async () => {
    const responseUrl = `${emspSender()}/results/put-1`;
    const body = { charging_profile: profile, response_url: responseUrl };
    const sent = await emspToCpo({
      method: "PUT",
      path: "chargingprofiles/receiver/101",
      body,
      forwardedBody: {
        ...body,
        response_url: expect.stringMatching(CALLBACK(hub.url, "chargingprofiles")),
      },
      answer: ok({ result: "ACCEPTED", timeout: 60 }),
    });
    await deliverResult(
      (sent.got.body as { response_url: string }).response_url,
      "/results/put-1",
      {
        result: "ACCEPTED",
      },
    );
  });

  it("GET with duration and response_url: the query's response_url is the hub's, URL-encoded, and the ActiveChargingProfileResult reaches the eMSP", async () => {
    const { sent, hubCallback } = await sendWithCallbackQuery("GET", "duration=900&", "get-1");
    expect([...sent.got.query.keys()]).toEqual(["duration", "response_url"]);
    expect(sent.got.query.get("duration")).toBe("900");
    await deliverResult(hubCallback, "/results/get-1", {
      result: "ACCEPTED",
      profile: { start_date_time: "2024-05-01T10:00:00Z", charging_profile: profile },
    });
  });

  it("DELETE with response_url: the ClearProfileResult reaches the eMSP's response_url", async () => {
    const { sent, hubCallback } = await sendWithCallbackQuery("DELETE", "", "delete-1");
    expect([...sent.got.query.keys()]).toEqual(["response_url"]);
    await deliverResult(hubCallback, "/results/delete-1", { result: "ACCEPTED" });
  });

  it("CPO PUT of an ActiveChargingProfile reaches the eMSP's chargingprofiles Sender", async () => {
    await cpoToEmsp({
      method: "PUT",
      path: "chargingprofiles/sender/101",
      body: { start_date_time: "2024-05-01T10:05:00Z", charging_profile: profile },
      answer: ok(),
    });
  });
});

describe("platforms hosting several parties, endpoints with a trailing slash", () => {
  it("a platform with two CPO parties pushes as either one", async () => {
    const two = [
      { role: "CPO", country_code: "NL", party_id: "CP1" },
      { role: "CPO", country_code: "NL", party_id: "CP2" },
    ];
    const { platform } = await hub.connect(two, {
      name: "two CPOs",
      modules: [{ identifier: "locations", role: "SENDER" }],
    });
    for (const party of ["NL/CP1", "NL/CP2"]) {
      const [cc, pid] = split(party);
      await roundTrip({
        sender: platform,
        from: party,
        receiver: emsp,
        to: EMSP,
        method: "PUT",
        path: `locations/receiver/${party}/LOC9`,
        body: { ...location, country_code: cc, party_id: pid, id: "LOC9" },
        answer: ok(undefined, `stored for ${party}`),
      });
    }
  });

  it("an endpoint URL ending in '/' is joined with exactly one '/'", async () => {
    const roles = [{ role: "EMSP", country_code: "BE", party_id: "TRS" }];
    const platform = await hub.fake({
      roles,
      modules: [
        { identifier: "locations", role: "RECEIVER" },
        { identifier: "tokens", role: "SENDER" },
      ],
    });
    const plain = platform.endpointUrl.bind(platform);
    platform.endpointUrl = (identifier, role) => `${plain(identifier, role)}/`;
    const invited = await hub.invite(roles, "trailing slash");
    const registered = await platform.register(invited.versions_url, invited.token_a);
    expect(registered.body.status_code).toBe(1000);
    const stored = hub.deps.registry
      .get(invited.id)
      ?.endpoints.find((e) => e.identifier === "locations" && e.role === "RECEIVER");
    expect(stored?.url).toBe(`${platform.url}/ocpi/2.2.1/locations/receiver/`);
    const toTrs = (leg: Leg) =>
      roundTrip({ sender: cpo, from: CPO, receiver: platform, to: "BE/TRS", ...leg });

    const pushed = await toTrs({
      method: "PUT",
      path: "locations/receiver/NL/CPO/LOC1",
      body: location,
      answer: ok(),
    });
    expect(pushed.outboundUrl).toBe(`${platform.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`);

    const listed = await toTrs({
      method: "GET",
      path: "tokens/sender?offset=0&limit=1",
      answer: {
        ...ok([token]),
        headers: {
          "X-Total-Count": "2",
          "X-Limit": "1",
          Link: `<${platform.url}/ocpi/2.2.1/tokens/sender/?offset=1&limit=1>; rel="next"`,
        },
      },
    });
    expect(listed.outboundUrl).toBe(`${platform.url}/ocpi/2.2.1/tokens/sender?offset=0&limit=1`);
    const link = listed.answer.headers.get("link") as string;
    expect(link).toMatch(
      new RegExp(
        `^<${hub.url.replace(/[.]/g, "\\.")}/ocpi/2\\.2\\.1/tokens/sender/?\\?offset=1&limit=1>; rel="next"$`,
      ),
    );
    const next = /^<([^>]+)>/.exec(link)?.[1] as string;
    const followed = await toTrs({
      method: "GET",
      path: hubPath(next),
      at: { module: "tokens", role: "SENDER", tail: "", query: "offset=1&limit=1" },
      answer: { ...ok([appUserToken]), headers: { "X-Total-Count": "2", "X-Limit": "1" } },
    });
    expect(followed.outboundUrl).toBe(`${platform.url}/ocpi/2.2.1/tokens/sender?offset=1&limit=1`);
  });
});
