import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { example, forEmsp } from "../support/examples.js";
import { expectOk, expectRefused, expectRouting, watchModuleRequests } from "../support/expect.js";
import type { FakePlatform, HubAnswer, ModuleRequest, Reply } from "../support/fake-platform.js";
import { closeServer, freePort } from "../support/net.js";
import { code, type Modules, type Party } from "../support/parties.js";
import { startHub, type TestHub, type TestHubOptions } from "../support/test-hub.js";

type Iface = "SENDER" | "RECEIVER";

const cpoA: Party = { role: "CPO", country_code: "NL", party_id: "CPA" };
const cpoB: Party = { role: "CPO", country_code: "FR", party_id: "CPB" };
const emspA: Party = { role: "EMSP", country_code: "DE", party_id: "MSA" };
const emspB: Party = { role: "EMSP", country_code: "BE", party_id: "MSB" };
/** A party no platform was invited with. */
const nobody: Party = { role: "EMSP", country_code: "IT", party_id: "NOP" };

const CPO_MODULES: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "commands", role: "RECEIVER" },
  { identifier: "chargingprofiles", role: "RECEIVER" },
];
const EMSP_MODULES: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "sessions", role: "RECEIVER" },
  { identifier: "cdrs", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
  { identifier: "commands", role: "SENDER" },
  { identifier: "chargingprofiles", role: "SENDER" },
];

/** The id of a hub callback URL: at least 32 base64url characters (unguessable). */
const CALLBACK_ID = /^[A-Za-z0-9_-]{32,}$/;

function token(owner: Party, uid: string, type = "RFID") {
  return {
    ...example("token_put_example.json"),
    country_code: owner.country_code,
    party_id: owner.party_id,
    uid,
    type,
  };
}

function location(owner: Party, id: string) {
  return {
    ...example("location_example.json"),
    country_code: owner.country_code,
    party_id: owner.party_id,
    id,
  };
}

const session = (cpo: Party, id: string, emsp: Party) =>
  forEmsp("session_example_1_simple_start.json", cpo, emsp, id);
const cdr = (cpo: Party, id: string, emsp: Party) => forEmsp("cdr_example.json", cpo, emsp, id);

const CHARGING_PROFILE = {
  charging_rate_unit: "W",
  charging_profile_period: [{ start_period: 0, limit: 11000 }],
};

const activeProfile = () => ({
  start_date_time: "2026-03-01T10:00:00Z",
  charging_profile: CHARGING_PROFILE,
});

const startSession = (emsp: Party, locationId: string, responseUrl: string) => ({
  response_url: responseUrl,
  token: token(emsp, "CMD-TOKEN"),
  location_id: locationId,
  evse_uid: "3256",
  connector_id: "1",
});

const reserveNow = (
  emsp: Party,
  locationId: string,
  reservationId: string,
  responseUrl: string,
  expiry = "2030-01-01T00:00:00Z",
) => ({
  response_url: responseUrl,
  token: token(emsp, "CMD-TOKEN"),
  expiry_date: expiry,
  reservation_id: reservationId,
  location_id: locationId,
  evse_uid: "3256",
});

const unlockConnector = (locationId: string, responseUrl: string) => ({
  response_url: responseUrl,
  location_id: locationId,
  evse_uid: "3256",
  connector_id: "1",
});

const stopSession = (sessionId: string, responseUrl: string) => ({
  response_url: responseUrl,
  session_id: sessionId,
});

const cancelReservation = (reservationId: string, responseUrl: string) => ({
  response_url: responseUrl,
  reservation_id: reservationId,
});

interface World {
  hub: TestHub;
  cpoA: FakePlatform;
  cpoB: FakePlatform;
  emspA: FakePlatform;
  emspB: FakePlatform;
  all: FakePlatform[];
}

/** A hub with two CPO and two eMSP platforms, each holding one party. */
async function buildWorld(options: TestHubOptions = {}): Promise<World> {
  const hub = await startHub(options);
  const connect = async (party: Party, modules: Modules) =>
    (await hub.connect([party], { modules, name: code(party) })).platform;
  const world = {
    hub,
    cpoA: await connect(cpoA, CPO_MODULES),
    cpoB: await connect(cpoB, CPO_MODULES),
    emspA: await connect(emspA, EMSP_MODULES),
    emspB: await connect(emspB, EMSP_MODULES),
  };
  return { ...world, all: [world.cpoA, world.cpoB, world.emspA, world.emspB] };
}

const at = (hub: TestHub, module: string, iface: Iface, tail = "") =>
  `${hub.url}/ocpi/2.2.1/${module}/${iface.toLowerCase()}${tail}`;

interface Expected {
  platform: FakePlatform;
  module: string;
  role: Iface;
  method: string;
  tail: string;
  receiver: Party;
  requester: Party;
  /** The receiver's `data`, for answers the hub reads (ACCEPTED responses). */
  data?: unknown;
}

/**
 * Sends a request and checks that exactly one platform received it, the
 * expected one, on the expected endpoint, with OCPI-to = the receiver and
 * OCPI-from = the requester, and that its answer came back with OCPI-from =
 * the receiver.
 */
async function expectRouted(
  world: World,
  send: () => Promise<HubAnswer>,
  expected: Expected,
): Promise<{ answer: HubAnswer; forwarded: ModuleRequest }> {
  const marker = `answered by ${code(expected.receiver)} ${randomUUID()}`;
  let armed = true;
  expected.platform.on((req) => {
    if (!armed || req.module !== expected.module || req.role !== expected.role) return undefined;
    armed = false;
    return { body: expected.platform.envelope(expected.data, 1000, marker) };
  });
  const since = watchModuleRequests(world.all);
  const answer = await send().finally(() => {
    armed = false;
  });
  const fresh = since();
  const context = `${expected.method} ${expected.module} ${expected.role} ${expected.tail}`;
  expect(
    fresh.map((f) => `${f.req.module} ${f.req.role} ${f.req.tail}`),
    context,
  ).toHaveLength(1);
  const [{ platform, req }] = fresh as [{ platform: FakePlatform; req: ModuleRequest }];
  expect(platform === expected.platform, `${context}: reached ${platform.url}`).toBe(true);
  expect(req.method, context).toBe(expected.method);
  expect(req.module, context).toBe(expected.module);
  expect(req.role, context).toBe(expected.role);
  expect(req.tail, context).toBe(expected.tail);
  expect(req.token, context).toBe(expected.platform.tokenForHub);
  expectRouting(req.headers, expected.receiver, expected.requester, context);
  expect(answer.status, context).toBe(200);
  expect(answer.body.status_code, context).toBe(1000);
  expect(answer.body.status_message, context).toBe(marker);
  expectRouting(answer.headers, expected.requester, expected.receiver);
  return { answer, forwarded: req };
}

/** Sends a request the hub cannot route: 4001 saying why, and no platform receives anything. */
function expectNotRouted(world: World, send: () => Promise<HubAnswer>, message: RegExp) {
  return expectRefused(send, 200, 4001, { message, unforwarded: world.all });
}

/** The hub's clock, moved by the expiry tests; nothing else depends on it. */
const clock = {
  t: Date.now(),
  now() {
    return new Date(this.t);
  },
};
let w: World;
let hub: TestHub;

beforeAll(async () => {
  w = await buildWorld({ clock });
  hub = w.hub;
});

afterAll(async () => {
  await hub?.close();
});

type Who = "cpoA" | "cpoB" | "emspA" | "emspB";
const PARTIES: Record<Who, Party> = { cpoA, cpoB, emspA, emspB };

/** `sender`'s platform sends `method` to {hub}/ocpi/2.2.1/`path`, without OCPI-to. */
const sendOpen = (sender: Who, method: string, path: string, body?: unknown) => () =>
  w[sender].hubRoute(method, `${hub.url}/ocpi/2.2.1/${path}`, { body });

/**
 * `sender` sends without OCPI-to, and the hub routes it to `receiver` on the
 * module, interface and tail of `path` (see expectRouted).
 */
function routed(
  sender: Who,
  receiver: Who,
  method: string,
  path: string,
  body?: unknown,
  data?: unknown,
) {
  const [module, iface, ...tail] = (path.split("?")[0] as string).split("/") as [
    string,
    string,
    ...string[],
  ];
  return expectRouted(w, sendOpen(sender, method, path, body), {
    platform: w[receiver],
    module,
    role: iface.toUpperCase() as Iface,
    method,
    tail: tail.map((segment) => `/${segment}`).join(""),
    receiver: PARTIES[receiver],
    requester: PARTIES[sender],
    data,
  });
}

/** `sender` sends without OCPI-to, and the hub cannot route it (see expectNotRouted). */
const notRouted = (sender: Who, method: string, path: string, message: RegExp, body?: unknown) =>
  expectNotRouted(w, sendOpen(sender, method, path, body), message);

describe("open routing: without OCPI-to the hub picks the receiver from the content", () => {
  /** An eMSP pushes a token to a CPO, naming it in OCPI-to. */
  async function pushToken(emsp: FakePlatform, owner: Party, uid: string, type = "RFID") {
    const query = type === "RFID" ? "" : `?type=${type}`;
    expectOk(
      await emsp.hubRoute("PUT", at(hub, "tokens", "RECEIVER", `/${code(owner)}/${uid}${query}`), {
        to: code(cpoA),
        body: token(owner, uid, type),
      }),
      `token ${uid} of ${code(owner)}`,
    );
  }

  /** A CPO pushes a location to an eMSP, naming it in OCPI-to. */
  async function pushLocation(cpo: FakePlatform, owner: Party, id: string, to = emspA) {
    expectOk(
      await cpo.hubRoute("PUT", at(hub, "locations", "RECEIVER", `/${code(owner)}/${id}`), {
        to: code(to),
        body: location(owner, id),
      }),
      `location ${id} of ${code(owner)}`,
    );
  }

  /** A CPO pushes a session to an eMSP, naming it in OCPI-to. */
  async function pushSession(cpo: FakePlatform, owner: Party, id: string, emsp: Party) {
    expectOk(
      await cpo.hubRoute("PUT", at(hub, "sessions", "RECEIVER", `/${code(owner)}/${id}`), {
        to: code(emsp),
        body: session(owner, id, emsp),
      }),
      `session ${id} of ${code(owner)}`,
    );
  }

  const emspUrl = (emsp: FakePlatform, module: string, ref: string) =>
    `${emsp.url}/ocpi/2.2.1/${module}/sender/${ref}`;

  it("sends a real-time authorization to the eMSP that pushed that token uid, and ?type= picks the token of that type", async () => {
    await pushToken(w.emspA, emspA, "UID-OF-A");
    await pushToken(w.emspB, emspB, "UID-OF-B");
    await pushToken(w.emspA, emspA, "UID-TYPED");
    await pushToken(w.emspB, emspB, "UID-TYPED", "APP_USER");
    const where = { location_id: "LOC-A", evse_uids: ["3256"] };

    const { forwarded } = await routed(
      "cpoA",
      "emspA",
      "POST",
      "tokens/sender/UID-OF-A/authorize",
      where,
    );
    expect(forwarded.body).toEqual(where);

    await routed("cpoB", "emspB", "POST", "tokens/sender/UID-OF-B/authorize");

    const rfid = await routed("cpoA", "emspA", "POST", "tokens/sender/UID-TYPED/authorize");
    expect(rfid.forwarded.query.get("type")).toBeNull();

    const app = await routed(
      "cpoA",
      "emspB",
      "POST",
      "tokens/sender/UID-TYPED/authorize?type=APP_USER",
    );
    expect(app.forwarded.query.get("type")).toBe("APP_USER");

    const explicitRfid = await routed(
      "cpoB",
      "emspA",
      "POST",
      "tokens/sender/UID-TYPED/authorize?type=RFID",
    );
    expect(explicitRfid.forwarded.query.get("type")).toBe("RFID");
  });

  it("asks each eMSP that pushed a shared token uid in turn, earliest push first, and relays the first ALLOWED; a later push cannot block the first owner", async () => {
    let asked: string[] = [];
    /** `emsp` answers authorizations of `uid` with `allowed`, marked with its codes. */
    const answering = (emsp: FakePlatform, owner: Party, uid: string, allowed: string) =>
      emsp.on((req) => {
        if (req.module !== "tokens" || req.tail !== `/${uid}/authorize`) return undefined;
        asked.push(emsp === w.emspA ? "A" : "B");
        const data = { allowed, token: token(owner, uid) };
        return { body: emsp.envelope(data, 1000, `${allowed} by ${code(owner)}`) };
      });
    const authorize = async (uid: string) => {
      asked = [];
      const answer = await sendOpen("cpoA", "POST", `tokens/sender/${uid}/authorize`)();
      return { answer, asked };
    };
    /** Pushes that come later in the hub's time. */
    const pushLater = async (emsp: FakePlatform, owner: Party, uid: string) => {
      clock.t += 1_000;
      await pushToken(emsp, owner, uid);
    };

    // A squatter pushes the uid before its owner and refuses it: the owner is asked next.
    await pushLater(w.emspB, emspB, "UID-SQUATTED");
    await pushLater(w.emspA, emspA, "UID-SQUATTED");
    answering(w.emspB, emspB, "UID-SQUATTED", "NOT_ALLOWED");
    answering(w.emspA, emspA, "UID-SQUATTED", "ALLOWED");
    const squatted = await authorize("UID-SQUATTED");
    expect(squatted.asked).toEqual(["B", "A"]);
    expectOk(squatted.answer);
    expect(squatted.answer.body.data.allowed).toBe("ALLOWED");
    expect(squatted.answer.body.status_message).toBe(`ALLOWED by ${code(emspA)}`);
    expectRouting(squatted.answer.headers, cpoA, emspA);

    // The earliest owner allows it: the later claimant is never asked.
    await pushLater(w.emspA, emspA, "UID-SHARED");
    await pushLater(w.emspB, emspB, "UID-SHARED");
    answering(w.emspA, emspA, "UID-SHARED", "ALLOWED");
    answering(w.emspB, emspB, "UID-SHARED", "BLOCKED");
    const shared = await authorize("UID-SHARED");
    expect(shared.asked).toEqual(["A"]);
    expect(shared.answer.body.status_message).toBe(`ALLOWED by ${code(emspA)}`);

    // Nobody allows it: the earliest claimant's answer is the answer.
    await pushLater(w.emspA, emspA, "UID-REFUSED");
    await pushLater(w.emspB, emspB, "UID-REFUSED");
    answering(w.emspA, emspA, "UID-REFUSED", "BLOCKED");
    answering(w.emspB, emspB, "UID-REFUSED", "NOT_ALLOWED");
    const refused = await authorize("UID-REFUSED");
    expect(refused.asked).toEqual(["A", "B"]);
    expect(refused.answer.body.data.allowed).toBe("BLOCKED");
    expect(refused.answer.body.status_message).toBe(`BLOCKED by ${code(emspA)}`);
  });

  it("answers 4001 to an authorization of an unknown uid, and of a known uid with another type", async () => {
    await pushToken(w.emspA, emspA, "UID-RFID-ONLY");
    await notRouted("cpoA", "POST", "tokens/sender/UID-NEVER-PUSHED/authorize", /UID-NEVER-PUSHED/);
    await notRouted(
      "cpoA",
      "POST",
      "tokens/sender/UID-RFID-ONLY/authorize?type=APP_USER",
      /UID-RFID-ONLY/,
    );
  });

  it("sends a session PUT and a CDR POST to the eMSP named in their cdr_token; an unknown cdr_token party gets 4001", async () => {
    const toB = session(cpoA, "SES-CDRTOKEN-1", emspB);
    const s1 = await routed("cpoA", "emspB", "PUT", "sessions/receiver/NL/CPA/SES-CDRTOKEN-1", toB);
    expect(s1.forwarded.body).toEqual(toB);

    await routed(
      "cpoA",
      "emspA",
      "PUT",
      "sessions/receiver/NL/CPA/SES-CDRTOKEN-2",
      session(cpoA, "SES-CDRTOKEN-2", emspA),
    );

    const cdrToA = cdr(cpoB, "CDR-1", emspA);
    const c1 = await routed("cpoB", "emspA", "POST", "cdrs/receiver", cdrToA);
    expect(c1.forwarded.body).toEqual(cdrToA);

    await routed("cpoB", "emspB", "POST", "cdrs/receiver", cdr(cpoB, "CDR-2", emspB));

    await notRouted(
      "cpoA",
      "PUT",
      "sessions/receiver/NL/CPA/SES-NOBODY",
      /IT\/NOP/,
      session(cpoA, "SES-NOBODY", nobody),
    );
    await notRouted("cpoA", "POST", "cdrs/receiver", /IT\/NOP/, cdr(cpoA, "CDR-NOBODY", nobody));
  });

  it("sends a session PATCH and GET to the eMSP the session's PUT went to, per CPO; a PATCH of a session never routed gets 4001", async () => {
    const patch = example("session_patch_example_charging_period.json");
    await pushSession(w.cpoA, cpoA, "SES-FOLLOW", emspB);
    await pushSession(w.cpoB, cpoB, "SES-FOLLOW", emspA);

    const patched = await routed(
      "cpoA",
      "emspB",
      "PATCH",
      "sessions/receiver/NL/CPA/SES-FOLLOW",
      patch,
    );
    expect(patched.forwarded.body).toEqual(patch);

    await routed("cpoA", "emspB", "GET", "sessions/receiver/NL/CPA/SES-FOLLOW");

    await routed("cpoB", "emspA", "PATCH", "sessions/receiver/FR/CPB/SES-FOLLOW", patch);

    await notRouted(
      "cpoA",
      "PATCH",
      "sessions/receiver/NL/CPA/SES-NEVER-SEEN",
      /SES-NEVER-SEEN/,
      patch,
    );
    await notRouted("cpoA", "GET", "sessions/receiver/NL/CPA/SES-NEVER-SEEN", /SES-NEVER-SEEN/);
  });

  it("sends START_SESSION, RESERVE_NOW and UNLOCK_CONNECTOR to the CPO that pushed the location, by PUT or by PATCH", async () => {
    await pushLocation(w.cpoA, cpoA, "LOC-OF-A");
    // The hub refuses a PATCH of a location it does not know (2003): B puts it first.
    await pushLocation(w.cpoB, cpoB, "LOC-OF-B", emspA);
    expectOk(
      await w.cpoB.hubRoute("PATCH", at(hub, "locations", "RECEIVER", "/FR/CPB/LOC-OF-B"), {
        to: code(emspB),
        body: { name: "Renamed", last_updated: "2026-03-01T10:00:00Z" },
      }),
    );

    const started = await routed(
      "emspA",
      "cpoA",
      "POST",
      "commands/receiver/START_SESSION",
      startSession(emspA, "LOC-OF-A", emspUrl(w.emspA, "commands", "start-1")),
    );
    expect((started.forwarded.body as any).location_id).toBe("LOC-OF-A");

    await routed(
      "emspB",
      "cpoB",
      "POST",
      "commands/receiver/START_SESSION",
      startSession(emspB, "LOC-OF-B", emspUrl(w.emspB, "commands", "start-2")),
    );

    await routed(
      "emspA",
      "cpoB",
      "POST",
      "commands/receiver/RESERVE_NOW",
      reserveNow(emspA, "LOC-OF-B", "RES-LOC", emspUrl(w.emspA, "commands", "res-1")),
    );

    await routed(
      "emspB",
      "cpoA",
      "POST",
      "commands/receiver/UNLOCK_CONNECTOR",
      unlockConnector("LOC-OF-A", emspUrl(w.emspB, "commands", "unlock-1")),
    );
  });

  it("sends commands and location GETs for a location id pushed by two CPOs to the CPO that pushed it first; an id nobody pushed gets 4001", async () => {
    await pushLocation(w.cpoA, cpoA, "LOC-TWICE", emspA);
    // A later CPO pushing the same id takes nothing from the first.
    await pushLocation(w.cpoB, cpoB, "LOC-TWICE", emspB);
    const url = emspUrl(w.emspA, "commands", "twice");

    for (const [command, body] of [
      ["START_SESSION", startSession(emspA, "LOC-TWICE", url)],
      ["RESERVE_NOW", reserveNow(emspA, "LOC-TWICE", "RES-TWICE", url)],
      ["UNLOCK_CONNECTOR", unlockConnector("LOC-TWICE", url)],
    ] as const) {
      await routed("emspA", "cpoA", "POST", `commands/receiver/${command}`, body);
    }
    await notRouted(
      "emspA",
      "POST",
      "commands/receiver/START_SESSION",
      /LOC-UNKNOWN/,
      startSession(emspA, "LOC-UNKNOWN", url),
    );
    await routed("emspB", "cpoA", "GET", "locations/sender/LOC-TWICE");
    await notRouted("emspA", "GET", "locations/sender/LOC-UNKNOWN/3256", /LOC-UNKNOWN/);
  });

  it("sends an eMSP's GET of a location, EVSE or connector on the locations Sender to the location's CPO", async () => {
    await pushLocation(w.cpoA, cpoA, "LOC-GET-A", emspA);
    await pushLocation(w.cpoB, cpoB, "LOC-GET-B", emspA);

    await routed("emspA", "cpoA", "GET", "locations/sender/LOC-GET-A");
    await routed("emspB", "cpoB", "GET", "locations/sender/LOC-GET-B/3256");
    await routed("emspA", "cpoB", "GET", "locations/sender/LOC-GET-B/3256/1");
  });

  it("sends STOP_SESSION to the CPO of the session the hub sent to the caller, though another CPO has a session with that id", async () => {
    await pushSession(w.cpoA, cpoA, "SES-STOP", emspA);
    await pushSession(w.cpoB, cpoB, "SES-STOP", emspB);
    await pushSession(w.cpoA, cpoA, "SES-STOP-A-ONLY", emspA);

    await routed(
      "emspA",
      "cpoA",
      "POST",
      "commands/receiver/STOP_SESSION",
      stopSession("SES-STOP", emspUrl(w.emspA, "commands", "stop-1")),
    );
    await routed(
      "emspB",
      "cpoB",
      "POST",
      "commands/receiver/STOP_SESSION",
      stopSession("SES-STOP", emspUrl(w.emspB, "commands", "stop-2")),
    );
    // A session sent to another eMSP is not the caller's to stop.
    await notRouted(
      "emspB",
      "POST",
      "commands/receiver/STOP_SESSION",
      /SES-STOP-A-ONLY/,
      stopSession("SES-STOP-A-ONLY", emspUrl(w.emspB, "commands", "stop-3")),
    );
    await notRouted(
      "emspA",
      "POST",
      "commands/receiver/STOP_SESSION",
      /SES-STOP-NONE/,
      stopSession("SES-STOP-NONE", emspUrl(w.emspA, "commands", "stop-4")),
    );
  });

  it("sends CANCEL_RESERVATION to the CPO of the caller's earlier RESERVE_NOW with that reservation id", async () => {
    await pushLocation(w.cpoA, cpoA, "LOC-RES-A", emspA);
    await pushLocation(w.cpoB, cpoB, "LOC-RES-B", emspB);
    expectOk(
      await w.emspA.hubRoute("POST", at(hub, "commands", "RECEIVER", "/RESERVE_NOW"), {
        body: reserveNow(emspA, "LOC-RES-A", "RES-1", emspUrl(w.emspA, "commands", "r1")),
      }),
    );
    expectOk(
      await w.emspB.hubRoute("POST", at(hub, "commands", "RECEIVER", "/RESERVE_NOW"), {
        body: reserveNow(emspB, "LOC-RES-B", "RES-1", emspUrl(w.emspB, "commands", "r2")),
      }),
    );

    const cancelled = await routed(
      "emspA",
      "cpoA",
      "POST",
      "commands/receiver/CANCEL_RESERVATION",
      cancelReservation("RES-1", emspUrl(w.emspA, "commands", "c1")),
    );
    expect((cancelled.forwarded.body as any).reservation_id).toBe("RES-1");
    await routed(
      "emspB",
      "cpoB",
      "POST",
      "commands/receiver/CANCEL_RESERVATION",
      cancelReservation("RES-1", emspUrl(w.emspB, "commands", "c2")),
    );
    await notRouted(
      "emspA",
      "POST",
      "commands/receiver/CANCEL_RESERVATION",
      /RES-NEVER/,
      cancelReservation("RES-NEVER", emspUrl(w.emspA, "commands", "c3")),
    );
  });

  it("sends charging profile PUT, GET and DELETE to the CPO of the session the hub sent to the caller", async () => {
    await pushSession(w.cpoA, cpoA, "SES-PROFILE", emspA);
    await pushSession(w.cpoB, cpoB, "SES-PROFILE", emspB);
    const responseUrl = encodeURIComponent(emspUrl(w.emspA, "chargingprofiles", "p"));

    await routed("emspA", "cpoA", "PUT", "chargingprofiles/receiver/SES-PROFILE", {
      charging_profile: CHARGING_PROFILE,
      response_url: emspUrl(w.emspA, "chargingprofiles", "p1"),
    });
    const got = await routed(
      "emspA",
      "cpoA",
      "GET",
      `chargingprofiles/receiver/SES-PROFILE?duration=900&response_url=${responseUrl}`,
    );
    expect(got.forwarded.query.get("duration")).toBe("900");
    await routed(
      "emspA",
      "cpoA",
      "DELETE",
      `chargingprofiles/receiver/SES-PROFILE?response_url=${responseUrl}`,
    );
    await routed("emspB", "cpoB", "PUT", "chargingprofiles/receiver/SES-PROFILE", {
      charging_profile: CHARGING_PROFILE,
      response_url: emspUrl(w.emspB, "chargingprofiles", "p2"),
    });
    await notRouted(
      "emspA",
      "DELETE",
      `chargingprofiles/receiver/SES-PROFILE-NONE?response_url=${responseUrl}`,
      /SES-PROFILE-NONE/,
    );
  });

  it("sends a CPO's ActiveChargingProfile to the party whose SetChargingProfile on that session it ACCEPTED, and nowhere after a REJECTED one", async () => {
    await pushSession(w.cpoA, cpoA, "SES-ACTIVE", emspA);
    await pushSession(w.cpoB, cpoB, "SES-ACTIVE", emspB);
    await pushSession(w.cpoA, cpoA, "SES-REJECTED", emspA);
    const setProfile = (emsp: FakePlatform, ref: string) => ({
      charging_profile: CHARGING_PROFILE,
      response_url: emspUrl(emsp, "chargingprofiles", ref),
    });
    const setBy = (emsp: Who, cpo: Who, sessionId: string, result: string) =>
      routed(
        emsp,
        cpo,
        "PUT",
        `chargingprofiles/receiver/${sessionId}`,
        setProfile(w[emsp], `set-${sessionId}`),
        { result, timeout: 30 },
      );
    await setBy("emspA", "cpoA", "SES-ACTIVE", "ACCEPTED");
    await setBy("emspB", "cpoB", "SES-ACTIVE", "ACCEPTED");
    await setBy("emspA", "cpoA", "SES-REJECTED", "REJECTED");

    const active = activeProfile();
    const fromA = await routed(
      "cpoA",
      "emspA",
      "PUT",
      "chargingprofiles/sender/SES-ACTIVE",
      active,
    );
    expect(fromA.forwarded.body).toEqual(active);
    await routed("cpoB", "emspB", "PUT", "chargingprofiles/sender/SES-ACTIVE", active);
    await notRouted("cpoA", "PUT", "chargingprofiles/sender/SES-REJECTED", /SES-REJECTED/, active);
  });

  it("finds the receiver by token uid, location id and session id case-insensitively (types: CiString)", async () => {
    await pushToken(w.emspB, emspB, "UID-CASE");
    await pushLocation(w.cpoB, cpoB, "LOC-CASE", emspB);
    await pushSession(w.cpoB, cpoB, "SES-CASE", emspB);

    await routed("cpoA", "emspB", "POST", "tokens/sender/uid-case/authorize");
    await routed(
      "emspA",
      "cpoB",
      "POST",
      "commands/receiver/START_SESSION",
      startSession(emspA, "loc-case", emspUrl(w.emspA, "commands", "case-1")),
    );
    await routed(
      "emspB",
      "cpoB",
      "POST",
      "commands/receiver/STOP_SESSION",
      stopSession("ses-case", emspUrl(w.emspB, "commands", "case-2")),
    );
    await routed(
      "cpoB",
      "emspB",
      "PATCH",
      "sessions/receiver/FR/CPB/ses-case",
      example("session_patch_example_total_cost.json"),
    );
  });

  it("answers 4001, saying it cannot tell the receiver, to a location PUT and to a cdrs list GET without OCPI-to", async () => {
    await notRouted(
      "cpoA",
      "PUT",
      "locations/receiver/NL/CPA/LOC-NO-TO",
      /cannot tell/,
      location(cpoA, "LOC-NO-TO"),
    );
    // Lists of locations, tariffs and tokens without OCPI-to are GET All via the hub (cache tests).
    await notRouted("emspA", "GET", "cdrs/sender?offset=0&limit=10", /cannot tell/);
    // The refused location PUT taught the hub nothing: no command finds a CPO by it.
    await notRouted(
      "emspA",
      "POST",
      "commands/receiver/START_SESSION",
      /LOC-NO-TO/,
      startSession(emspA, "LOC-NO-TO", emspUrl(w.emspA, "commands", "no-to")),
    );
  });
});

describe("async callbacks: the hub's response_url between CPO and eMSP", () => {
  /** What the CPOs answer to commands and charging profile requests. */
  let cpoAnswer: (req: ModuleRequest) => Reply;
  const accepted = (timeout = 30) => ({
    body: w.cpoA.envelope({ result: "ACCEPTED", timeout }),
  });

  beforeAll(async () => {
    for (const cpo of [w.cpoA, w.cpoB]) {
      cpo.on((req) =>
        req.module === "commands" || req.module === "chargingprofiles" ? cpoAnswer(req) : undefined,
      );
    }
    expectOk(
      await w.cpoA.hubRoute("PUT", at(hub, "sessions", "RECEIVER", "/NL/CPA/SES-CB"), {
        to: code(emspA),
        body: session(cpoA, "SES-CB", emspA),
      }),
    );
  });

  beforeEach(() => {
    cpoAnswer = () => accepted();
  });

  /** The eMSP's own response_url for one request. */
  const original = (module: string, ref: string) =>
    `${w.emspA.url}/ocpi/2.2.1/${module}/sender/${ref}`;
  const originalPath = (module: string, ref: string) => `/ocpi/2.2.1/${module}/sender/${ref}`;

  /** Requests the eMSP received on one of its own response_urls. */
  const deliveries = (module: string, ref: string) =>
    w.emspA.requests.filter((r) => r.path === originalPath(module, ref));

  /** emspA sends a command to CPA (direct routing); returns the hub URL the CPO got instead. */
  async function command(
    name: string,
    body: Record<string, unknown>,
  ): Promise<{ answer: HubAnswer; forwarded: ModuleRequest; hubUrl: string; id: string }> {
    const before = w.cpoA.moduleRequests("commands", "RECEIVER").length;
    const answer = await w.emspA.hubRoute("POST", at(hub, "commands", "RECEIVER", `/${name}`), {
      to: code(cpoA),
      body,
    });
    const fresh = w.cpoA.moduleRequests("commands", "RECEIVER").slice(before);
    expect(fresh).toHaveLength(1);
    const forwarded = fresh[0] as ModuleRequest;
    const hubUrl = (forwarded.body as { response_url: string }).response_url;
    return { answer, forwarded, hubUrl, id: expectCallbackId(hubUrl, "commands") };
  }

  /** `hubUrl` is a hub callback URL on `module`'s Sender; returns its id. */
  function expectCallbackId(hubUrl: string, module: string): string {
    const prefix = `${hub.url}/ocpi/2.2.1/${module}/sender/`;
    expect(hubUrl.startsWith(prefix), hubUrl).toBe(true);
    const id = hubUrl.slice(prefix.length);
    expect(id).toMatch(CALLBACK_ID);
    return id;
  }

  /** emspA sends a charging profile request on SES-CB (open routing); returns what CPA got. */
  async function profileRequest(method: string, query = "", body?: unknown) {
    const before = w.cpoA.moduleRequests("chargingprofiles", "RECEIVER").length;
    const answer = await w.emspA.hubRoute(
      method,
      at(hub, "chargingprofiles", "RECEIVER", `/SES-CB${query}`),
      { body },
    );
    const [forwarded] = w.cpoA.moduleRequests("chargingprofiles", "RECEIVER").slice(before) as [
      ModuleRequest,
    ];
    return { answer, forwarded };
  }

  const start = (ref: string) =>
    command("START_SESSION", startSession(emspA, "LOC-CB", original("commands", ref)));

  /** The CPO posts a result to a hub callback URL. */
  const post = (cpo: FakePlatform, url: string, body: unknown, from = cpoA) =>
    cpo.hubRoute("POST", url, { from: code(from), body });

  it("gives the CPO a hub response_url with an unguessable id, a new one per request, and the rest of the body unchanged", async () => {
    const body1 = startSession(emspA, "LOC-CB", original("commands", "fresh-1"));
    const first = await command("START_SESSION", body1);
    const second = await command(
      "START_SESSION",
      startSession(emspA, "LOC-CB", original("commands", "fresh-2")),
    );

    expectOk(first.answer);
    expect(first.answer.body.data).toEqual({ result: "ACCEPTED", timeout: 30 });
    expectRouting(first.answer.headers, emspA, cpoA);
    expect(first.id).not.toBe(second.id);
    expect(first.hubUrl).not.toContain(w.emspA.url);
    expect(JSON.stringify(first.forwarded.body)).not.toContain(w.emspA.url);
    expect(first.forwarded.body).toEqual({ ...body1, response_url: first.hubUrl });
  });

  it("forwards a command and a charging profile byte for byte but for the response_url value: 12.50, a 20-digit integer, escapes and spacing as sent", async () => {
    /** emspA sends `text` as is; what cpoA got is `text` with only `url` swapped for the hub's. */
    async function expectByteForByte(
      module: string,
      method: string,
      tail: string,
      text: string,
      url: string,
      to?: string,
    ) {
      const before = w.cpoA.moduleRequests(module, "RECEIVER").length;
      expectOk(
        await w.emspA.hubRoute(method, at(hub, module, "RECEIVER", tail), { to, rawBody: text }),
      );
      const [forwarded] = w.cpoA.moduleRequests(module, "RECEIVER").slice(before) as [
        ModuleRequest,
      ];
      const hubUrl = (forwarded.body as { response_url: string }).response_url;
      expectCallbackId(hubUrl, module);
      expect(forwarded.text).toBe(text.replace(url, hubUrl));
    }

    const url = original("commands", "bytes");
    const token = JSON.stringify(startSession(emspA, "LOC-CB", url).token);
    const command = `{ "response_url" : "${url}",\n  "token": ${token}, "location_id":"LOC\u002dCB", "x_amount": 12.50, "x_big": 12345678901234567890 }`;
    await expectByteForByte("commands", "POST", "/START_SESSION", command, url, code(cpoA));

    const profileUrl = original("chargingprofiles", "bytes");
    const profile = `{"charging_profile":{"charging_rate_unit":"W","min_charging_rate":12.50,"charging_profile_period":[{"start_period":0,"limit":11000.0}]},"response_url":"${profileUrl}"}`;
    await expectByteForByte("chargingprofiles", "PUT", "/SES-CB", profile, profileUrl);
  });

  it("delivers the CPO's result to the eMSP's original response_url with the hub's token and routing pair, relays the eMSP's answer, and takes no second result", async () => {
    const { hubUrl } = await start("deliver");
    w.emspA.on((req) =>
      req.path === originalPath("commands", "deliver")
        ? { body: w.emspA.envelope(undefined, 1000, "result noted") }
        : undefined,
    );
    const result = { result: "ACCEPTED", message: [{ language: "en", text: "started" }] };
    const correlation = randomUUID();
    const requestId = randomUUID();

    const answer = await w.cpoA.hubRoute("POST", hubUrl, {
      to: code(emspA),
      body: result,
      headers: { "x-request-id": requestId, "x-correlation-id": correlation },
    });
    expectOk(answer);
    expect(answer.body.status_message).toBe("result noted");
    expectRouting(answer.headers, cpoA, emspA);
    expect(answer.headers.get("x-request-id")).toBe(requestId);
    expect(answer.headers.get("x-correlation-id")).toBe(correlation);

    const got = deliveries("commands", "deliver");
    expect(got).toHaveLength(1);
    const [delivered] = got as [ModuleRequest];
    expect(delivered.method).toBe("POST");
    expect(delivered.token).toBe(w.emspA.tokenForHub);
    expect(delivered.body).toEqual(result);
    expectRouting(delivered.headers, emspA, cpoA);
    expect(delivered.headers["x-correlation-id"]).toBe(correlation);
    expect(delivered.headers["x-request-id"]).toEqual(expect.any(String));
    expect(delivered.headers["x-request-id"]).not.toBe(requestId);

    const again = await post(w.cpoA, hubUrl, result);
    expectRefused(again, 404, 4001);
    expect(deliveries("commands", "deliver")).toHaveLength(1);
  });

  it("takes a result without OCPI-to as well, and refuses an OCPI-to naming another party than the eMSP", async () => {
    const { hubUrl } = await start("open-result");
    const wrongTo = await w.cpoA.hubRoute("POST", hubUrl, {
      to: code(emspB),
      body: { result: "ACCEPTED" },
    });
    expectRefused(wrongTo, 200, 2001);
    expect(deliveries("commands", "open-result")).toHaveLength(0);

    const answer = await post(w.cpoA, hubUrl, { result: "ACCEPTED" });
    expectOk(answer);
    expectRouting(answer.headers, cpoA, emspA);
    expect(deliveries("commands", "open-result")).toHaveLength(1);
  });

  it("answers 404 + 4001 to an unknown callback id and to another CPO platform posting on the id; the right CPO still can", async () => {
    const unknown = await post(
      w.cpoA,
      at(hub, "commands", "SENDER", `/${randomBytes(24).toString("base64url")}`),
      { result: "ACCEPTED" },
    );
    expectRefused(unknown, 404, 4001);

    const { hubUrl, id } = await start("stolen");
    const stolen = await post(w.cpoB, hubUrl, { result: "FAILED" }, cpoB);
    expectRefused(stolen, 404, 4001);
    expect(deliveries("commands", "stolen")).toHaveLength(0);

    // Nor may the eMSP that sent the command post its own result: only a CPO sends command results.
    const byEmsp = await w.emspA.hubRoute("POST", hubUrl, { body: { result: "ACCEPTED" } });
    expectRefused(byEmsp, 200, 2000, { message: /is an EMSP; only CPO may send commands/ });
    expect(deliveries("commands", "stolen")).toHaveLength(0);

    // A commands callback id is not one of the chargingprofiles Sender.
    const elsewhere = await post(w.cpoA, at(hub, "chargingprofiles", "SENDER", `/${id}`), {
      result: "ACCEPTED",
    });
    expectRefused(elsewhere, 404, 4001);
    expect(deliveries("commands", "stolen")).toHaveLength(0);

    expectOk(await post(w.cpoA, hubUrl, { result: "ACCEPTED" }));
    const got = deliveries("commands", "stolen");
    expect(got.map((r) => r.body)).toEqual([{ result: "ACCEPTED" }]);
  });

  it("drops the callback when the CPO answers REJECTED or status_code 2001: a later result gets 404 + 4001", async () => {
    cpoAnswer = () => ({ body: w.cpoA.envelope({ result: "REJECTED", timeout: 30 }) });
    const rejected = await start("rejected");
    expectOk(rejected.answer);
    expect(rejected.answer.body.data.result).toBe("REJECTED");
    expectRefused(await post(w.cpoA, rejected.hubUrl, { result: "ACCEPTED" }), 404, 4001);

    cpoAnswer = () => ({ body: w.cpoA.envelope(undefined, 2001, "location unknown") });
    const invalid = await start("invalid-request");
    expect(invalid.answer.status).toBe(200);
    expect(invalid.answer.body.status_code).toBe(2001);
    expectRefused(await post(w.cpoA, invalid.hubUrl, { result: "ACCEPTED" }), 404, 4001);

    expect(deliveries("commands", "rejected")).toHaveLength(0);
    expect(deliveries("commands", "invalid-request")).toHaveLength(0);
  });

  it("takes a result until CommandResponse.timeout + 5 minutes, and answers 404 + 4001 after", async () => {
    cpoAnswer = () => accepted(60);
    const t0 = clock.t;
    const inTime = await start("in-time");
    const late = await start("too-late");
    const expiry = t0 + 60_000 + 5 * 60_000;

    clock.t = expiry - 1_000;
    expectOk(await post(w.cpoA, inTime.hubUrl, { result: "ACCEPTED" }));
    expect(deliveries("commands", "in-time")).toHaveLength(1);

    clock.t = expiry + 1_000;
    expectRefused(await post(w.cpoA, late.hubUrl, { result: "ACCEPTED" }), 404, 4001);
    expect(deliveries("commands", "too-late")).toHaveLength(0);
  });

  it("takes exactly one of two results posted at the same time", async () => {
    const { hubUrl } = await start("race");
    const answers = await Promise.all([
      post(w.cpoA, hubUrl, { result: "ACCEPTED" }),
      post(w.cpoA, hubUrl, { result: "FAILED" }),
    ]);
    expect(answers.map((a) => `${a.status} ${a.body.status_code}`).sort()).toEqual([
      "200 1000",
      "404 4001",
    ]);
    expect(deliveries("commands", "race")).toHaveLength(1);
  });

  it("lets a RESERVE_NOW callback take the ACCEPTED result and later a CANCELED_RESERVATION until expiry_date + 5 minutes", async () => {
    const t0 = clock.t;
    const expiry = t0 + 2 * 3600_000;
    const { hubUrl } = await command(
      "RESERVE_NOW",
      reserveNow(
        emspA,
        "LOC-CB",
        "RES-CB",
        original("commands", "reservation"),
        new Date(expiry).toISOString(),
      ),
    );

    expectOk(await post(w.cpoA, hubUrl, { result: "ACCEPTED" }));
    clock.t = t0 + 3600_000;
    expectOk(await post(w.cpoA, hubUrl, { result: "CANCELED_RESERVATION" }));
    clock.t = expiry + 5 * 60_000 - 1_000;
    expectOk(await post(w.cpoA, hubUrl, { result: "CANCELED_RESERVATION" }));
    expect(deliveries("commands", "reservation").map((r) => (r.body as any).result)).toEqual([
      "ACCEPTED",
      "CANCELED_RESERVATION",
      "CANCELED_RESERVATION",
    ]);

    clock.t = expiry + 5 * 60_000 + 1_000;
    expectRefused(await post(w.cpoA, hubUrl, { result: "CANCELED_RESERVATION" }), 404, 4001);
    expect(deliveries("commands", "reservation")).toHaveLength(3);
  });

  it("answers 2001 naming the field to an invalid result, delivers nothing, and still takes a valid one", async () => {
    const { hubUrl } = await start("invalid-result");
    const bad = await post(w.cpoA, hubUrl, { result: "DONE" });
    expectRefused(bad, 200, 2001, { message: /result/ });
    const noResult = await post(w.cpoA, hubUrl, { message: [] });
    expectRefused(noResult, 200, 2001, { message: /result/ });
    const notJson = await w.cpoA.hubRoute("POST", hubUrl, {
      from: code(cpoA),
      rawBody: "{result: ACCEPTED",
    });
    expectRefused(notJson, 400, 2001);
    expect(deliveries("commands", "invalid-result")).toHaveLength(0);

    expectOk(await post(w.cpoA, hubUrl, { result: "EVSE_OCCUPIED" }));
    expect(deliveries("commands", "invalid-result").map((r) => r.body)).toEqual([
      { result: "EVSE_OCCUPIED" },
    ]);
  });

  it("answers 4003 when the eMSP drops the connection on the result, and delivers the same result on a retry", async () => {
    const { hubUrl } = await start("flaky");
    let dropped = false;
    w.emspA.on((req) => {
      if (dropped || req.path !== originalPath("commands", "flaky")) return undefined;
      dropped = true;
      return { reset: true };
    });

    const failed = await post(w.cpoA, hubUrl, { result: "ACCEPTED" });
    expectRefused(failed, 200, 4003, { message: /DE\/MSA/ });
    expect(dropped).toBe(true);

    const retried = await post(w.cpoA, hubUrl, { result: "ACCEPTED" });
    expectOk(retried);
    const got = deliveries("commands", "flaky");
    expect(got).toHaveLength(2);
    expect(got.map((r) => r.body)).toEqual([{ result: "ACCEPTED" }, { result: "ACCEPTED" }]);
    expectRefused(await post(w.cpoA, hubUrl, { result: "ACCEPTED" }), 404, 4001);
  });

  it("answers 4003 when nothing listens at the eMSP's response_url, and delivers on a retry once it is back", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/ocpi/2.2.1/commands/sender/down`;
    const { hubUrl } = await command("START_SESSION", startSession(emspA, "LOC-CB", url));

    const failed = await post(w.cpoA, hubUrl, { result: "ACCEPTED" });
    expectRefused(failed, 200, 4003);

    const received: { req: IncomingMessage; body: string }[] = [];
    const back = await listen(port, (req, body) => received.push({ req, body }));
    try {
      const retried = await post(w.cpoA, hubUrl, { result: "ACCEPTED" });
      expectOk(retried);
      expect(retried.body.status_message).toBe("noted by the restarted eMSP");
      expect(received).toHaveLength(1);
      const [{ req, body }] = received as [{ req: IncomingMessage; body: string }];
      expect(req.method).toBe("POST");
      expect(req.url).toBe("/ocpi/2.2.1/commands/sender/down");
      expect(req.headers.authorization).toBe(
        `Token ${Buffer.from(w.emspA.tokenForHub).toString("base64")}`,
      );
      expect(req.headers["ocpi-to-party-id"]).toBe(emspA.party_id);
      expect(req.headers["ocpi-from-party-id"]).toBe(cpoA.party_id);
      expect(JSON.parse(body)).toEqual({ result: "ACCEPTED" });
    } finally {
      await closeServer(back.server);
    }
  });

  it("replaces response_url in a SetChargingProfile body and delivers the ChargingProfileResult to the eMSP", async () => {
    const body = {
      charging_profile: CHARGING_PROFILE,
      response_url: original("chargingprofiles", "set"),
    };
    const { answer, forwarded } = await profileRequest("PUT", "", body);
    expectOk(answer);
    expect(answer.body.data).toEqual({ result: "ACCEPTED", timeout: 30 });
    const hubUrl = (forwarded.body as any).response_url as string;
    expectCallbackId(hubUrl, "chargingprofiles");
    expect(forwarded.body).toEqual({ ...body, response_url: hubUrl });

    expectOk(await post(w.cpoA, hubUrl, { result: "ACCEPTED" }));
    const [delivered, ...more] = deliveries("chargingprofiles", "set");
    expect(more).toEqual([]);
    expect(delivered?.body).toEqual({ result: "ACCEPTED" });
    expect(delivered?.token).toBe(w.emspA.tokenForHub);
    expectRouting(delivered?.headers ?? {}, emspA, cpoA);
    expectRefused(await post(w.cpoA, hubUrl, { result: "ACCEPTED" }), 404, 4001);
  });

  it("takes a charging profile result until ChargingProfileResponse.timeout + 5 minutes, and answers 404 + 4001 after", async () => {
    cpoAnswer = () => accepted(120);
    const t0 = clock.t;
    const urls: string[] = [];
    for (const ref of ["profile-in-time", "profile-too-late"]) {
      const { answer, forwarded } = await profileRequest("PUT", "", {
        charging_profile: CHARGING_PROFILE,
        response_url: original("chargingprofiles", ref),
      });
      expectOk(answer);
      urls.push((forwarded.body as any).response_url);
    }
    const [inTime, tooLate] = urls as [string, string];
    const expiry = t0 + 120_000 + 5 * 60_000;

    clock.t = expiry - 1_000;
    expectOk(await post(w.cpoA, inTime, { result: "ACCEPTED" }));
    expect(deliveries("chargingprofiles", "profile-in-time")).toHaveLength(1);

    clock.t = expiry + 1_000;
    expectRefused(await post(w.cpoA, tooLate, { result: "ACCEPTED" }), 404, 4001);
    expect(deliveries("chargingprofiles", "profile-too-late")).toHaveLength(0);
  });

  it("replaces the query's response_url of a GET and a DELETE by the hub URL and delivers their results", async () => {
    const ids: string[] = [];
    for (const [method, ref, query, result] of [
      ["GET", "get", "duration=900&", { result: "ACCEPTED", profile: activeProfile() }],
      ["DELETE", "delete", "", { result: "UNKNOWN" }],
    ] as const) {
      const emspUrl = original("chargingprofiles", ref);
      const { answer, forwarded } = await profileRequest(
        method,
        `?${query}response_url=${encodeURIComponent(emspUrl)}`,
      );
      expectOk(answer, method);
      expect(forwarded.method).toBe(method);
      expect(forwarded.tail).toBe("/SES-CB");
      const hubUrl = forwarded.query.get("response_url") as string;
      ids.push(expectCallbackId(hubUrl, "chargingprofiles"));
      expect(forwarded.path).not.toContain(encodeURIComponent(w.emspA.url));
      if (method === "GET") expect(forwarded.query.get("duration")).toBe("900");

      expectOk(await post(w.cpoA, hubUrl, result), method);
      expect(deliveries("chargingprofiles", ref).map((r) => r.body)).toEqual([result]);
    }
    expect(new Set(ids).size).toBe(2);
  });

  it("validates a charging profile result against the request it answers: a GET's ActiveChargingProfileResult", async () => {
    const { answer, forwarded } = await profileRequest(
      "GET",
      `?duration=60&response_url=${encodeURIComponent(original("chargingprofiles", "get-invalid"))}`,
    );
    expectOk(answer);
    const hubUrl = forwarded.query.get("response_url") as string;
    const bad = await post(w.cpoA, hubUrl, {
      result: "ACCEPTED",
      profile: { start_date_time: "yesterday", charging_profile: CHARGING_PROFILE },
    });
    expectRefused(bad, 200, 2001, { message: /start_date_time/ });
    expect(deliveries("chargingprofiles", "get-invalid")).toHaveLength(0);
    expectOk(await post(w.cpoA, hubUrl, { result: "REJECTED" }));
    expect(deliveries("chargingprofiles", "get-invalid")).toHaveLength(1);
  });

  it("answers 2001 to a GET or DELETE without response_url and to a GET without duration, reaching no CPO", async () => {
    const url = encodeURIComponent(original("chargingprofiles", "missing"));
    for (const [method, query, field] of [
      ["GET", "?duration=900", /response_url/],
      ["DELETE", "", /response_url/],
      ["GET", `?response_url=${url}`, /duration/],
    ] as const) {
      await expectRefused(
        () => w.emspA.hubRoute(method, at(hub, "chargingprofiles", "RECEIVER", `/SES-CB${query}`)),
        200,
        2001,
        { message: field, context: `${method} ${query}`, unforwarded: w.all },
      );
    }
  });
});

/** An HTTP server on 127.0.0.1 that records requests and answers an OCPI envelope. */
async function listen(
  port: number,
  onRequest?: (req: IncomingMessage, body: string) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      onRequest?.(req, Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status_code: 1000,
          status_message: "noted by the restarted eMSP",
          timestamp: new Date().toISOString(),
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
