import { afterEach, describe, expect, it } from "vitest";
import { CdrSchema } from "../../src/ocpi/schemas/cdrs.js";
import { CommandResultSchema, StartSessionSchema } from "../../src/ocpi/schemas/commands.js";
import { SessionPatchSchema, SessionSchema } from "../../src/ocpi/schemas/sessions.js";
import {
  LocationReferencesSchema,
  TokenPatchSchema,
  TokenSchema,
} from "../../src/ocpi/schemas/tokens.js";
import { Cdr211Schema } from "../../src/versions/v2_1_1/schemas/cdrs.js";
import { CommandResponse211Schema } from "../../src/versions/v2_1_1/schemas/commands.js";
import { Session211Schema } from "../../src/versions/v2_1_1/schemas/sessions.js";
import {
  AuthorizationInfo211Schema,
  Token211Schema,
} from "../../src/versions/v2_1_1/schemas/tokens.js";
import { locationOf } from "../support/cache-fixtures.js";
import { eventually, type FakePlatform, type HubAnswer } from "../support/fake-platform.js";
import type { Modules, Party } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";
import { expectValid } from "../support/v211.js";
import {
  cdr211 as cdrAt,
  connect211 as connectOver211,
  location211,
  session211 as sessionAt,
  token211 as tokenOf,
} from "../support/v211-bodies.js";

/**
 * 2.1.1 platforms sending sessions, CDRs, tokens, authorizations and
 * commands into the hub: 2.1.1 names no receiver, so the hub finds it by
 * content (the token's eMSP, the location's CPO) or broadcasts, and each
 * receiver gets a valid object of its own version with the fields mapped.
 */

const HUB = "NL/HUB";
const cpo211Role: Party = { role: "CPO", country_code: "BE", party_id: "OLD" };
const emsp211Role: Party = { role: "EMSP", country_code: "DE", party_id: "ELD" };
const cpoRole: Party = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole: Party = { role: "EMSP", country_code: "NL", party_id: "EMS" };

/** The 2.2.1 eMSP takes sessions and CDRs and answers real-time authorization. */
const EMSP_MODULES: Modules = [
  { identifier: "sessions", role: "RECEIVER" },
  { identifier: "cdrs", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
];
/** The 2.2.1 CPO takes tokens and commands. */
const CPO_MODULES: Modules = [
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "commands", role: "RECEIVER" },
  { identifier: "locations", role: "SENDER" },
];
/** A 2.1.1 platform has one URL per module; the role the fake records is its own side. */
const CPO211_MODULES: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "sessions", role: "SENDER" },
  { identifier: "cdrs", role: "SENDER" },
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "commands", role: "RECEIVER" },
];
const EMSP211_MODULES: Modules = [
  { identifier: "tokens", role: "SENDER" },
  { identifier: "commands", role: "SENDER" },
  { identifier: "sessions", role: "RECEIVER" },
];

const CONTRACT = "NL-EMS-C00000001-X";

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

async function connect211(role: Party, modules: Modules): Promise<FakePlatform> {
  return (await connectOver211(hub, role, modules)).platform;
}

/** The 2.1.1 CPO's LOC1, where an EVSE is charging. */
const LOC1 = () => location211("LOC1", "CHARGING");
const session211 = (id: string, authId = CONTRACT) => sessionAt(id, authId, LOC1());
const cdr211 = (id: string, authId = CONTRACT) => cdrAt(id, authId, LOC1());
/** A token of the 2.1.1 eMSP. */
const token211 = (uid: string) => ({ ...tokenOf(uid, "DE-ELD-C00000002-Y"), whitelist: "ALWAYS" });

async function connect221(role: Party, modules: Modules): Promise<FakePlatform> {
  return (await hub.connect([role], { modules })).platform;
}

const at211 = (path: string) => `${hub.url}/ocpi/2.1.1/${path}`;
const at221 = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;

const routingHeadersOf = (headers: Headers) =>
  [...headers.keys()].filter((n) => n.toLowerCase().startsWith("ocpi-"));

function expectOk(answer: HubAnswer) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(1000);
  expect(routingHeadersOf(answer.headers)).toEqual([]);
}

function expectRefused(answer: HubAnswer, ...named: string[]) {
  expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(2001);
  for (const text of named) expect(answer.body.status_message).toContain(text);
  expect(routingHeadersOf(answer.headers)).toEqual([]);
}

/** A 2.2.1 token of the 2.2.1 eMSP, pushed to the hub. */
function token221(uid: string): any {
  return {
    country_code: "NL",
    party_id: "EMS",
    uid,
    type: "RFID",
    contract_id: CONTRACT,
    issuer: "EMS Mobility",
    valid: true,
    whitelist: "ALLOWED",
    last_updated: "2026-01-02T10:00:00Z",
  };
}

/** The world of a 2.1.1 CPO: a 2.2.1 eMSP whose token the hub holds, the CPO's LOC1 in the cache. */
async function cpoWorld() {
  hub = await startHub();
  const emsp = await connect221(emspRole, EMSP_MODULES);
  const cpo = await connect211(cpo211Role, CPO211_MODULES);
  const pushed = await emsp.hubRoute("PUT", at221("tokens/receiver/NL/EMS/UID1"), {
    to: HUB,
    body: token221("UID1"),
  });
  expect(pushed.body.status_code, JSON.stringify(pushed.body)).toBe(1000);
  expectOk(await cpo.hubCall("PUT", at211("locations/BE/OLD/LOC1"), { body: LOC1() }));
  return { emsp, cpo };
}

describe("a 2.1.1 CPO", () => {
  it("sends a session (PUT, PATCH) to the token's 2.2.1 eMSP, and reads it back as 2.1.1", async () => {
    const { emsp, cpo } = await cpoWorld();
    expectOk(await cpo.hubCall("PUT", at211("sessions/BE/OLD/S1"), { body: session211("S1") }));
    const [put] = emsp.moduleRequests("sessions", "RECEIVER");
    expect(put?.method).toBe("PUT");
    expect(put?.path).toBe("/ocpi/2.2.1/sessions/receiver/BE/OLD/S1");
    expect(put?.headers).toMatchObject({
      "ocpi-from-country-code": "BE",
      "ocpi-from-party-id": "OLD",
      "ocpi-to-country-code": "NL",
      "ocpi-to-party-id": "EMS",
    });
    expectValid(SessionSchema, put?.body);
    expect(put?.body).toMatchObject({
      country_code: "BE",
      party_id: "OLD",
      id: "S1",
      start_date_time: "2026-01-02T11:00:00Z",
      kwh: 3.5,
      cdr_token: { country_code: "NL", party_id: "EMS", uid: "UID1", type: "RFID" },
      location_id: "LOC1",
      evse_uid: "3256",
      connector_id: "1",
      total_cost: { excl_vat: 1.25 },
      status: "ACTIVE",
    });
    expect((put?.body as any)?.cdr_token.contract_id).toBe(CONTRACT);

    const patch = await cpo.hubCall("PATCH", at211("sessions/BE/OLD/S1"), {
      body: { kwh: 5.5, status: "COMPLETED" },
    });
    expectOk(patch);
    const patched = emsp.moduleRequests("sessions", "RECEIVER")[1];
    expect(patched?.method).toBe("PATCH");
    expect(patched?.path).toBe("/ocpi/2.2.1/sessions/receiver/BE/OLD/S1");
    expectValid(SessionPatchSchema, patched?.body);
    expect(patched?.body).toMatchObject({ kwh: 5.5, status: "COMPLETED" });
    // 2.2.1 requires last_updated in a PATCH; the hub gives the time it received it.
    expect(typeof (patched?.body as any)?.last_updated).toBe("string");

    // The CPO reads the eMSP's copy: the 2.2.1 Session comes back as 2.1.1's.
    emsp.on((req) =>
      req.method === "GET" && req.module === "sessions"
        ? { body: emsp.envelope({ ...(put?.body as object), kwh: 5.5, status: "COMPLETED" }) }
        : undefined,
    );
    const read = await cpo.hubCall("GET", at211("sessions/BE/OLD/S1"));
    expectOk(read);
    expectValid(Session211Schema, read.body.data);
    expect(read.body.data).toMatchObject({
      id: "S1",
      start_datetime: "2026-01-02T11:00:00Z",
      auth_id: CONTRACT,
      kwh: 5.5,
      status: "COMPLETED",
      total_cost: 1.25,
    });
    expect(read.body.data.location).toMatchObject({ id: "LOC1", postal_code: "9000" });
    expect(read.body.data.location.evses).toHaveLength(1);
  });

  it("posts a CDR to the token's 2.2.1 eMSP and reads it back at the Location the hub gives", async () => {
    const { emsp, cpo } = await cpoWorld();
    emsp.on((req) =>
      req.method === "POST" && req.module === "cdrs"
        ? {
            body: emsp.envelope(),
            headers: { Location: `${emsp.url}/ocpi/2.2.1/cdrs/receiver/C1` },
          }
        : undefined,
    );
    const posted = await cpo.hubCall("POST", at211("cdrs"), { body: cdr211("C1") });
    expectOk(posted);
    const [got] = emsp.moduleRequests("cdrs", "RECEIVER");
    expect(got?.path).toBe("/ocpi/2.2.1/cdrs/receiver");
    expect(got?.headers["ocpi-to-party-id"]).toBe("EMS");
    expectValid(CdrSchema, got?.body);
    const cdr = got?.body as any;
    expect(cdr).toMatchObject({
      country_code: "BE",
      party_id: "OLD",
      id: "C1",
      end_date_time: "2026-01-02T12:00:00Z",
      cdr_token: { country_code: "NL", party_id: "EMS", uid: "UID1", contract_id: CONTRACT },
      total_cost: { excl_vat: 2.5 },
      total_energy: 7,
    });
    expect(cdr.cdr_location).toMatchObject({
      id: "LOC1",
      evse_uid: "3256",
      evse_id: "BE*OLD*E3256",
      connector_id: "1",
      connector_standard: "IEC_62196_T2",
      postal_code: "9000",
    });

    // The Location is the hub's 2.1.1 cdrs URL, which the CPO can read with its 2.1.1 token.
    const location = posted.headers.get("location") ?? "";
    expect(location.startsWith(`${hub.url}/ocpi/2.1.1/cdrs/`), location).toBe(true);
    emsp.on((req) =>
      req.method === "GET" && req.path === "/ocpi/2.2.1/cdrs/receiver/C1"
        ? { body: emsp.envelope(cdr) }
        : undefined,
    );
    const read = await cpo.hubCall("GET", location);
    expectOk(read);
    expectValid(Cdr211Schema, read.body.data);
    expect(read.body.data).toMatchObject({
      id: "C1",
      stop_date_time: "2026-01-02T12:00:00Z",
      auth_id: CONTRACT,
      total_cost: 2.5,
    });
    expect(read.body.data.location.evses[0].uid).toBe("3256");
  });

  it("asks the token's 2.2.1 eMSP to authorize it and gets a 2.1.1 AuthorizationInfo", async () => {
    const { emsp, cpo } = await cpoWorld();
    emsp.on((req) =>
      req.method === "POST" && req.module === "tokens"
        ? {
            body: emsp.envelope({
              allowed: "ALLOWED",
              token: token221("UID1"),
              authorization_reference: "REF-1",
              location: { location_id: "LOC1", evse_uids: ["3256"] },
            }),
          }
        : undefined,
    );
    const answer = await cpo.hubCall("POST", at211("tokens/UID1/authorize"), {
      body: { location_id: "LOC1", evse_uids: ["3256"], connector_ids: ["1"] },
    });
    expectOk(answer);
    const [asked] = emsp.moduleRequests("tokens", "SENDER");
    expect(asked?.path).toBe("/ocpi/2.2.1/tokens/sender/UID1/authorize");
    expect(asked?.headers["ocpi-from-party-id"]).toBe("OLD");
    expectValid(LocationReferencesSchema, asked?.body);
    expect(asked?.body).toEqual({ location_id: "LOC1", evse_uids: ["3256"] });
    expectValid(AuthorizationInfo211Schema, answer.body.data);
    expect(answer.body.data).toEqual({
      allowed: "ALLOWED",
      location: { location_id: "LOC1", evse_uids: ["3256"] },
    });
    // What neither side's version carries is named: the request's connectors, the answer's reference.
    expect(answer.body.status_message).toContain("connector_ids");
    expect(hub.logText()).toContain("authorization_reference");
  });

  it("gets 2.1.1 status codes for the hub's own errors: an eMSP it cannot reach is 3001 naming the 2.2.1 code", async () => {
    const { emsp, cpo } = await cpoWorld();
    await emsp.close();
    const answer = await cpo.hubCall("POST", at211("tokens/UID1/authorize"));
    expect(answer.status).toBe(200);
    expect(answer.body.status_code, JSON.stringify(answer.body)).toBe(3001);
    expect(answer.body.status_message).toMatch(/cannot reach .*\(OCPI 2\.2\.1 hub status 4003\)$/);
    expect(routingHeadersOf(answer.headers)).toEqual([]);
  });

  it("pulls the tokens the hub holds, as 2.1.1 Tokens", async () => {
    const { cpo } = await cpoWorld();
    const list = await cpo.hubCall("GET", at211("tokens"));
    expectOk(list);
    expect(list.headers.get("x-total-count")).toBe("1");
    expect(list.body.data).toHaveLength(1);
    expectValid(Token211Schema, list.body.data[0]);
    expect(list.body.data[0]).toMatchObject({ uid: "UID1", type: "RFID", auth_id: CONTRACT });
    expect(list.body.data[0].contract_id).toBeUndefined();
  });

  it("is refused, with the field named, what cannot reach an eMSP, and nothing is forwarded", async () => {
    const { emsp, cpo } = await cpoWorld();
    expectRefused(
      await cpo.hubCall("PUT", at211("sessions/BE/OLD/S2"), {
        body: session211("S2", "NOBODY-KNOWS"),
      }),
      "cdr_token",
      "auth_id",
      "NOBODY-KNOWS",
    );
    expectRefused(
      await cpo.hubCall("PUT", at211("sessions/BE/OLD/S3"), {
        body: { ...session211("S3"), kwh: "lots" },
      }),
      "kwh",
    );
    expectRefused(
      await cpo.hubCall("PATCH", at211("sessions/BE/OLD/S9"), { body: { kwh: 1 } }),
      "session_id",
      "S9",
    );
    expectRefused(
      await cpo.hubCall("POST", at211("cdrs"), { body: cdr211("C2", "NOBODY-KNOWS") }),
      "cdr_token",
    );
    expectRefused(
      await cpo.hubCall("POST", at211("tokens/UID9/authorize"), { body: undefined }),
      "token_uid",
      "UID9",
    );
    expect(emsp.moduleRequests()).toEqual([]);
  });
});

describe("a 2.1.1 CPO's command result", () => {
  it("posted in 2.1.1's shape to the response_url the hub gave reaches the 2.2.1 eMSP as a CommandResult", async () => {
    hub = await startHub();
    const emsp = await connect221(emspRole, [{ identifier: "commands", role: "SENDER" }]);
    const cpo = await connect211(cpo211Role, CPO211_MODULES);
    cpo.on((req) =>
      req.module === "commands" ? { body: cpo.envelope({ result: "ACCEPTED" }) } : undefined,
    );
    const responseUrl = `${emsp.url}/ocpi/2.2.1/commands/sender/START_SESSION/7`;
    const sent = await emsp.hubRoute("POST", at221("commands/receiver/START_SESSION"), {
      to: "BE/OLD",
      body: {
        response_url: responseUrl,
        token: token221("UID1"),
        location_id: "LOC1",
      },
    });
    expect(sent.body.status_code, JSON.stringify(sent.body)).toBe(1000);
    const [command] = cpo.moduleRequests("commands");
    const callback = String((command?.body as any)?.response_url);
    expect(callback.startsWith(`${hub.url}/ocpi/2.2.1/commands/sender/`), callback).toBe(true);
    const callbackId = callback.split("/").pop();

    // The hub's 2.1.1 commands URL takes no results: there is one callback URL, the one handed out.
    const misplaced = await cpo.hubCall("POST", at211(`commands/${callbackId}`), {
      body: { result: "ACCEPTED" },
    });
    expect(misplaced.status).toBe(404);
    expect(misplaced.body.status_message).toContain("response_url");
    expect(emsp.moduleRequests("commands", "SENDER")).toEqual([]);

    // 2.1.1 answers with a CommandResponse; UNKNOWN_SESSION is not a 2.2.1 CommandResultType.
    const result = await cpo.hubCall("POST", callback, { body: { result: "UNKNOWN_SESSION" } });
    expectOk(result);
    expect(result.body.status_message).toContain("UNKNOWN_SESSION");
    expect(result.headers.get("ocpi-from-party-id")).toBeNull();
    const [relayed] = emsp.moduleRequests("commands", "SENDER");
    expect(relayed?.path).toBe("/ocpi/2.2.1/commands/sender/START_SESSION/7");
    expectValid(CommandResultSchema, relayed?.body);
    expect(relayed?.body).toEqual({ result: "REJECTED" });
    expect(relayed?.headers["ocpi-from-party-id"]).toBe("OLD");

    // The callback took its result: a second one is refused.
    const again = await cpo.hubCall("POST", callback, { body: { result: "ACCEPTED" } });
    // 2.1.1 has no hub status codes (4xxx): the refusal is a 3000 naming the 2.2.1 code.
    expect(again.body.status_code).toBe(3000);
    expect(again.body.status_message).toMatch(/\(OCPI 2\.2\.1 hub status 4001\)$/);
    // The hub's refusal on a 2.2.1 URL speaks 2.1.1 to a 2.1.1 platform: no routing headers.
    expect(routingHeadersOf(again.headers)).toEqual([]);
    expect(emsp.moduleRequests("commands", "SENDER")).toHaveLength(1);
  });
});

describe("a 2.1.1 eMSP", () => {
  it("pushes a token (PUT, PATCH) that reaches a 2.2.1 CPO as a 2.2.1 Token", async () => {
    hub = await startHub();
    const cpo = await connect221(cpoRole, CPO_MODULES);
    const emsp = await connect211(emsp211Role, EMSP211_MODULES);
    const put = await emsp.hubCall("PUT", at211("tokens/DE/ELD/TOK2"), { body: token211("TOK2") });
    expectOk(put);
    expect(put.body.status_message).toContain("queued");
    await hub.settled();
    const got = await eventually(() => cpo.moduleRequests("tokens", "RECEIVER")[0]);
    expect(got.method).toBe("PUT");
    expect(got.path).toBe("/ocpi/2.2.1/tokens/receiver/DE/ELD/TOK2");
    expectValid(TokenSchema, got.body);
    expect(got.body).toMatchObject({
      country_code: "DE",
      party_id: "ELD",
      uid: "TOK2",
      type: "RFID",
      contract_id: "DE-ELD-C00000002-Y",
      issuer: "ELD Laden",
      whitelist: "ALWAYS",
    });

    expectOk(await emsp.hubCall("PATCH", at211("tokens/DE/ELD/TOK2"), { body: { valid: false } }));
    await hub.settled();
    const patched = await eventually(() => cpo.moduleRequests("tokens", "RECEIVER")[1]);
    expect(patched.method).toBe("PATCH");
    expect(patched.query.get("type") ?? "RFID").toBe("RFID");
    expectValid(TokenPatchSchema, patched.body);
    expect((patched.body as any).valid).toBe(false);

    // The eMSP reads its own token back, as 2.1.1's.
    const own = await emsp.hubCall("GET", at211("tokens/DE/ELD/TOK2"));
    expectOk(own);
    expectValid(Token211Schema, own.body.data);
    expect(own.body.data).toMatchObject({
      uid: "TOK2",
      valid: false,
      auth_id: "DE-ELD-C00000002-Y",
    });
  });

  it("starts a session at a 2.2.1 CPO's location and gets a 2.1.1 CommandResponse", async () => {
    hub = await startHub();
    const cpo = await connect221(cpoRole, CPO_MODULES);
    const emsp = await connect211(emsp211Role, EMSP211_MODULES);
    const pushed = await cpo.hubRoute("PUT", at221("locations/receiver/NL/CPO/LOC9"), {
      to: HUB,
      body: locationOf("NL/CPO", "LOC9"),
    });
    expect(pushed.body.status_code).toBe(1000);
    cpo.on((req) =>
      req.module === "commands"
        ? { body: cpo.envelope({ result: "ACCEPTED", timeout: 30 }) }
        : undefined,
    );
    const responseUrl = `${emsp.url}/ocpi/2.1.1/commands/START_SESSION/42`;
    const answer = await emsp.hubCall("POST", at211("commands/START_SESSION"), {
      body: {
        response_url: responseUrl,
        token: token211("TOK2"),
        location_id: "LOC9",
        evse_uid: "3256",
      },
    });
    expectOk(answer);
    expectValid(CommandResponse211Schema, answer.body.data);
    expect(answer.body.data).toEqual({ result: "ACCEPTED" });
    expect(answer.body.status_message).toBeUndefined();

    const [got] = cpo.moduleRequests("commands", "RECEIVER");
    expect(got?.path).toBe("/ocpi/2.2.1/commands/receiver/START_SESSION");
    expect(got?.headers).toMatchObject({ "ocpi-from-party-id": "ELD", "ocpi-to-party-id": "CPO" });
    expectValid(StartSessionSchema, got?.body);
    const command = got?.body as any;
    expect(command).toMatchObject({ location_id: "LOC9", evse_uid: "3256" });
    expect(command.token).toMatchObject({
      country_code: "DE",
      party_id: "ELD",
      uid: "TOK2",
      contract_id: "DE-ELD-C00000002-Y",
    });
    // The CPO answers the hub, which relays the result to the eMSP's own URL.
    expect(command.response_url.startsWith(`${hub.url}/ocpi/2.2.1/commands/sender/`)).toBe(true);
  });

  it("is refused, with the field named, a command or token the hub cannot route, and nothing is forwarded", async () => {
    hub = await startHub();
    const cpo = await connect221(cpoRole, CPO_MODULES);
    const emsp = await connect211(emsp211Role, EMSP211_MODULES);
    const start = {
      response_url: `${emsp.url}/ocpi/2.1.1/commands/START_SESSION/43`,
      token: token211("TOK2"),
      location_id: "NOWHERE",
    };
    expectRefused(
      await emsp.hubCall("POST", at211("commands/START_SESSION"), { body: start }),
      "location_id",
      "NOWHERE",
    );
    expectRefused(
      await emsp.hubCall("POST", at211("commands/START_SESSION"), {
        body: { ...start, token: { ...start.token, whitelist: "SOMETIMES" } },
      }),
      "token.whitelist",
    );
    const cancel = await emsp.hubCall("POST", at211("commands/CANCEL_RESERVATION"), {
      body: { response_url: start.response_url, reservation_id: "1" },
    });
    expect(cancel.status).toBe(404);
    expect(cancel.body.status_message).toContain("CANCEL_RESERVATION");
    const { issuer: _issuer, ...noIssuer } = token211("TOK3");
    expectRefused(
      await emsp.hubCall("PUT", at211("tokens/DE/ELD/TOK3"), { body: noIssuer }),
      "issuer",
    );
    expectRefused(
      await emsp.hubCall("PUT", at211("tokens/DE/ELD/TOK4"), { body: token211("TOK5") }),
      "uid",
    );
    await hub.settled();
    // Only the hub's pull of the CPO's locations on connecting reached it.
    expect(cpo.moduleRequests().filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("pulls sessions and CDRs: an empty page that says the hub pushes them instead", async () => {
    hub = await startHub();
    const emsp = await connect211(emsp211Role, EMSP211_MODULES);
    const sessions = await emsp.hubCall("GET", at211("sessions?date_from=2026-01-01T00:00:00Z"));
    expectOk(sessions);
    expect(sessions.body.data).toEqual([]);
    expect(sessions.headers.get("x-total-count")).toBe("0");
    expect(sessions.body.status_message).toContain("pushes them to your sessions endpoint");
    const cdrs = await emsp.hubCall("GET", at211("cdrs"));
    expectOk(cdrs);
    expect(cdrs.body.data).toEqual([]);
    // This eMSP lists no cdrs endpoint: the hub says CDRs cannot reach it.
    expect(cdrs.body.status_message).toContain("lists no cdrs endpoint");
  });
});
