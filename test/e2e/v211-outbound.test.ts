import { afterEach, describe, expect, it } from "vitest";
import { CdrSchema } from "../../src/ocpi/schemas/cdrs.js";
import {
  CommandResponseSchema,
  CommandResultSchema,
  StartSessionSchema,
} from "../../src/ocpi/schemas/commands.js";
import { LocationSchema } from "../../src/ocpi/schemas/locations.js";
import { AuthorizationInfoSchema, TokenSchema } from "../../src/ocpi/schemas/tokens.js";
import { Cdr211Schema } from "../../src/versions/v2_1_1/schemas/cdrs.js";
import {
  CommandResponse211Schema,
  StartSession211Schema,
} from "../../src/versions/v2_1_1/schemas/commands.js";
import {
  Session211PatchSchema,
  Session211Schema,
} from "../../src/versions/v2_1_1/schemas/sessions.js";
import {
  LocationReferences211Schema,
  Token211PatchSchema,
  Token211Schema,
} from "../../src/versions/v2_1_1/schemas/tokens.js";
import { example, forEmsp } from "../support/examples.js";
import { expectOk, expectRefused } from "../support/expect.js";
import {
  eventually,
  type FakePlatform,
  type HubAnswer,
  type ModuleRequest,
} from "../support/fake-platform.js";
import type { Modules, Party } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";
import { connect211 as connectOver211, location211, token211 } from "../support/v211-bodies.js";

/**
 * The hub sends sessions, CDRs, tokens, authorizations, commands and
 * command results to platforms registered over OCPI 2.1.1: each 2.1.1
 * receiver gets a valid 2.1.1 object at its own endpoint, without routing
 * headers, and each 2.2.1 party gets the answer back as 2.2.1.
 */

const HUB = "NL/HUB";
const cpoRole: Party = { role: "CPO", country_code: "NL", party_id: "CPO" };
const emspRole: Party = { role: "EMSP", country_code: "NL", party_id: "EMS" };
const cpo211Role: Party = { role: "CPO", country_code: "BE", party_id: "OLD" };
const emsp211Role: Party = { role: "EMSP", country_code: "DE", party_id: "ELD" };

const CPO_221: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "sessions", role: "SENDER" },
  { identifier: "cdrs", role: "SENDER" },
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "commands", role: "RECEIVER" },
];
const EMSP_221: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "sessions", role: "RECEIVER" },
  { identifier: "cdrs", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
  { identifier: "commands", role: "SENDER" },
];
const CPO_211: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "commands", role: "RECEIVER" },
];
const EMSP_211: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "sessions", role: "RECEIVER" },
  { identifier: "cdrs", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
  { identifier: "commands", role: "SENDER" },
];

/** The 2.1.1 eMSP's token, as the hub caches it (2.2.1). */
const TOKEN_211 = { uid: "ELD-T1", contract_id: "DE-ELD-C00001-X" };

interface World {
  cpo: FakePlatform;
  emsp: FakePlatform;
  cpo211: FakePlatform;
  emsp211: FakePlatform;
}

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

const at221 = (path: string) => `${hub.url}/ocpi/2.2.1/${path}`;
const at211 = (path: string) => `${hub.url}/ocpi/2.1.1/${path}`;

/** Header names of the OCPI routing headers among `headers`. */
const routingHeadersOf = (headers: Record<string, string> | Headers) => {
  const names =
    headers instanceof Headers
      ? [...headers.keys()]
      : Object.keys(headers).map((n) => n.toLowerCase());
  return names.filter((n) => n.startsWith("ocpi-"));
};

/** The hub's ids of the 2.1.1 fakes, for the admin API. */
const ids211 = new Map<FakePlatform, string>();

/** A 2.1.1 platform invited and registered over 2.1.1 with the given module endpoints. */
async function connect211(role: Party, modules: Modules): Promise<FakePlatform> {
  const { platform, id } = await connectOver211(hub, role, modules);
  ids211.set(platform, id);
  return platform;
}

/** A 2.2.1 CPO and eMSP and a 2.1.1 CPO and eMSP, all connected. */
async function world(): Promise<World> {
  hub = await startHub();
  const cpo = (await hub.connect([cpoRole], { modules: CPO_221 })).platform;
  const emsp = (await hub.connect([emspRole], { modules: EMSP_221 })).platform;
  const cpo211 = await connect211(cpo211Role, CPO_211);
  const emsp211 = await connect211(emsp211Role, EMSP_211);
  return { cpo, emsp, cpo211, emsp211 };
}

/** A 2.2.1 token of `owner`. */
function token(owner: Party, uid: string, fields: Record<string, unknown> = {}) {
  return {
    ...example("token_put_example.json"),
    country_code: owner.country_code,
    party_id: owner.party_id,
    uid,
    ...fields,
  };
}

/** The 2.1.1 eMSP pushes its token to its 2.1.1 tokens URL: the hub caches and indexes it. */
async function pushToken211(w: World): Promise<void> {
  const put = await w.emsp211.hubCall("PUT", at211(`tokens/DE/ELD/${TOKEN_211.uid}`), {
    body: token211(TOKEN_211.uid, TOKEN_211.contract_id),
  });
  expectOk(put, JSON.stringify(put.body));
  await hub.settled();
}

/** The 2.2.1 CPO's location LOC1 (EVSE 3256, connector 1) in the hub's cache. */
async function pushLocation(w: World): Promise<void> {
  const location = { ...example("location_example.json"), country_code: "NL", party_id: "CPO" };
  const put = await w.cpo.hubRoute("PUT", at221("locations/receiver/NL/CPO/LOC1"), {
    to: HUB,
    body: location,
  });
  expectOk(put, JSON.stringify(put.body));
  await hub.settled();
}

/** The module requests a fake got of one module, after the handshake. */
const got = (platform: FakePlatform, module: string) => platform.moduleRequests(module);

/** Waits for the `count`th request of `module` at `platform`. */
async function nth(platform: FakePlatform, module: string, count: number): Promise<ModuleRequest> {
  const list = await eventually(() => {
    const found = got(platform, module);
    return found.length >= count ? found : undefined;
  });
  return list[count - 1] as ModuleRequest;
}

/** A request reached a 2.1.1 platform as 2.1.1 does: no routing headers, the token raw. */
function expect211Request(req: ModuleRequest, platform: FakePlatform): void {
  expect(routingHeadersOf(req.headers)).toEqual([]);
  expect(req.headers.authorization).toBe(`Token ${platform.tokenForHub}`);
}

/** `schema` takes `value`; the failure names its issues. */
function expectValid(
  schema: { safeParse(v: unknown): { success: boolean; error?: unknown } },
  value: unknown,
) {
  const parsed = schema.safeParse(value);
  expect(parsed.success, `${JSON.stringify(parsed.error)}\n${JSON.stringify(value)}`).toBe(true);
}

describe("a 2.2.1 CPO and a 2.1.1 eMSP", () => {
  it("sessions PUT and PATCH reach the eMSP as 2.1.1 Sessions with the location the hub holds", async () => {
    const w = await world();
    await pushToken211(w);
    await pushLocation(w);
    const session = forEmsp("session_example_1_simple_start.json", cpoRole, emsp211Role, "S1");
    session.cdr_token = {
      ...session.cdr_token,
      uid: TOKEN_211.uid,
      contract_id: TOKEN_211.contract_id,
    };

    // Open routing: the cdr_token names the eMSP.
    const put = await w.cpo.hubRoute("PUT", at221("sessions/receiver/NL/CPO/S1"), {
      body: session,
    });
    expectOk(put, JSON.stringify(put.body));
    const pushed = await nth(w.emsp211, "sessions", 1);
    expect(pushed.method).toBe("PUT");
    expect(pushed.path).toBe("/ocpi/2.1.1/sessions/NL/CPO/S1");
    expect211Request(pushed, w.emsp211);
    expectValid(Session211Schema, pushed.body);
    const body = pushed.body as any;
    expect(body).toMatchObject({
      id: "S1",
      start_datetime: session.start_date_time,
      kwh: session.kwh,
      auth_id: TOKEN_211.contract_id,
      auth_method: session.auth_method,
      status: session.status,
      currency: session.currency,
    });
    expect(body.location.id).toBe("LOC1");
    expect(body.location.evses).toHaveLength(1);
    expect(body.location.evses[0].uid).toBe("3256");
    expect(body.location.evses[0].connectors.map((c: any) => c.id)).toEqual(["1"]);
    expect(body.cdr_token).toBeUndefined();

    // The PATCH follows the session to the eMSP it went to.
    const patch = { kwh: 7.25, status: "COMPLETED", last_updated: "2026-03-01T12:00:00Z" };
    const patched = await w.cpo.hubRoute("PATCH", at221("sessions/receiver/NL/CPO/S1"), {
      body: patch,
    });
    expectOk(patched, JSON.stringify(patched.body));
    const second = await nth(w.emsp211, "sessions", 2);
    expect(second.method).toBe("PATCH");
    expect(second.path).toBe("/ocpi/2.1.1/sessions/NL/CPO/S1");
    expect211Request(second, w.emsp211);
    expectValid(Session211PatchSchema, second.body);
    expect(second.body).toEqual(patch);
  });

  it("a CDR POST reaches the eMSP as a 2.1.1 CDR, and the CPO reads it back as 2.2.1 through the hub's Location", async () => {
    const w = await world();
    await pushToken211(w);
    await pushLocation(w);
    w.emsp211.on((req) => {
      if (req.module !== "cdrs") return undefined;
      if (req.method === "POST") {
        return {
          body: w.emsp211.envelope(),
          headers: { Location: `${w.emsp211.url}/ocpi/2.1.1/cdrs/CDR-1` },
        };
      }
      const posted = got(w.emsp211, "cdrs").find((r) => r.method === "POST");
      return { body: w.emsp211.envelope(posted?.body) };
    });
    const cdr = forEmsp("cdr_example.json", cpoRole, emsp211Role, "CDR-1");
    cdr.cdr_token = { ...cdr.cdr_token, uid: TOKEN_211.uid, contract_id: TOKEN_211.contract_id };

    const post = await w.cpo.hubRoute("POST", at221("cdrs/receiver"), { body: cdr });
    expectOk(post, JSON.stringify(post.body));
    const posted = await nth(w.emsp211, "cdrs", 1);
    expect(posted.path).toBe("/ocpi/2.1.1/cdrs");
    expect211Request(posted, w.emsp211);
    expectValid(Cdr211Schema, posted.body);
    const body = posted.body as any;
    expect(body).toMatchObject({
      id: "CDR-1",
      start_date_time: cdr.start_date_time,
      stop_date_time: cdr.end_date_time,
      auth_id: TOKEN_211.contract_id,
      total_cost: cdr.total_cost.excl_vat,
      total_energy: cdr.total_energy,
    });
    expect(body.location.evses[0].evse_id).toBe(cdr.cdr_location.evse_id);
    // What 2.1.1 has no place for is named, not dropped silently.
    expect(post.body.status_message).toMatch(/not carried over in translation: .*country_code/);

    const location = post.headers.get("location") as string;
    expect(location.startsWith(`${hub.url}/ocpi/2.2.1/cdrs/receiver/`)).toBe(true);
    const read = await w.cpo.hubRoute("GET", location);
    expectOk(read, JSON.stringify(read.body));
    expectValid(CdrSchema, read.body.data);
    expect(read.body.data).toMatchObject({
      country_code: "NL",
      party_id: "CPO",
      id: "CDR-1",
      cdr_token: {
        country_code: "DE",
        party_id: "ELD",
        uid: TOKEN_211.uid,
        contract_id: TOKEN_211.contract_id,
      },
      total_cost: { excl_vat: cdr.total_cost.excl_vat },
    });
    const fetched = got(w.emsp211, "cdrs").find((r) => r.method === "GET") as ModuleRequest;
    expect(fetched.path).toBe("/ocpi/2.1.1/cdrs/CDR-1");
    expect211Request(fetched, w.emsp211);
  });

  it("real-time authorization: the 2.1.1 eMSP's AuthorizationInfo reaches the CPO as 2.2.1's, with the token the hub holds", async () => {
    const w = await world();
    await pushToken211(w);
    w.emsp211.on((req) =>
      req.module === "tokens" && req.method === "POST"
        ? {
            body: w.emsp211.envelope({
              allowed: "ALLOWED",
              location: { location_id: "LOC1", evse_uids: ["3256"], connector_ids: ["1"] },
              info: { language: "en", text: "welcome" },
            }),
          }
        : undefined,
    );
    const refs = { location_id: "LOC1", evse_uids: ["3256"] };
    const answer = await w.cpo.hubRoute(
      "POST",
      at221(`tokens/sender/${TOKEN_211.uid}/authorize?type=RFID`),
      { body: refs },
    );
    expectOk(answer, JSON.stringify(answer.body));
    const asked = await nth(w.emsp211, "tokens", 1);
    expect(asked.path).toBe(`/ocpi/2.1.1/tokens/${TOKEN_211.uid}/authorize`);
    expect(asked.query.get("type")).toBe("RFID");
    expect211Request(asked, w.emsp211);
    expectValid(LocationReferences211Schema, asked.body);
    expect(asked.body).toEqual(refs);

    expectValid(AuthorizationInfoSchema, answer.body.data);
    expect(answer.body.data).toMatchObject({
      allowed: "ALLOWED",
      token: {
        country_code: "DE",
        party_id: "ELD",
        uid: TOKEN_211.uid,
        contract_id: TOKEN_211.contract_id,
      },
      location: { location_id: "LOC1", evse_uids: ["3256"] },
      info: { language: "en", text: "welcome" },
    });
    expect(answer.body.data.location.connector_ids).toBeUndefined();
    expect(answer.body.status_message).toMatch(/location\.connector_ids/);
    expect(answer.headers.get("ocpi-from-party-id")).toBe("ELD");
  });

  it("refuses a session whose location the hub does not hold, naming the field; nothing reaches the eMSP", async () => {
    const w = await world();
    await pushToken211(w);
    const session = forEmsp("session_example_1_simple_start.json", cpoRole, emsp211Role, "S9");
    await expectRefused(
      () => w.cpo.hubRoute("PUT", at221("sessions/receiver/NL/CPO/S9"), { body: session }),
      200,
      2001,
      { unforwarded: [w.emsp211], message: ["location_id", "LOC1"] },
    );
    expect(got(w.emsp211, "sessions")).toEqual([]);
  });
});

describe("commands between a 2.2.1 eMSP and a 2.1.1 CPO", () => {
  /** The 2.2.1 eMSP's StartSession at the 2.1.1 CPO; its response_url is the eMSP's own. */
  const startSession = (w: World, ref: string) => ({
    response_url: `${w.emsp.url}/ocpi/2.2.1/commands/sender/${ref}`,
    token: token(emspRole, "EMS-T1"),
    location_id: "LOC2",
    evse_uid: "3256",
    connector_id: "1",
  });

  it("StartSession goes as 2.1.1, the CommandResponse comes back as 2.2.1, and the CPO's 2.1.1 result reaches the eMSP as a CommandResult", async () => {
    const w = await world();
    w.cpo211.on((req) =>
      req.module === "commands" ? { body: w.cpo211.envelope({ result: "ACCEPTED" }) } : undefined,
    );
    const answer = await w.emsp.hubRoute("POST", at221("commands/receiver/START_SESSION"), {
      to: "BE/OLD",
      body: startSession(w, "c1"),
    });
    expectOk(answer, JSON.stringify(answer.body));
    expectValid(CommandResponseSchema, answer.body.data);
    expect(answer.body.data).toEqual({ result: "ACCEPTED", timeout: 300 });
    expect(answer.body.status_message).toMatch(/connector_id/);

    const forwarded = await nth(w.cpo211, "commands", 1);
    expect(forwarded.path).toBe("/ocpi/2.1.1/commands/START_SESSION");
    expect211Request(forwarded, w.cpo211);
    expectValid(StartSession211Schema, forwarded.body);
    const body = forwarded.body as any;
    expect(body.connector_id).toBeUndefined();
    expect(body).toMatchObject({ location_id: "LOC2", evse_uid: "3256" });
    expect(body.token).toMatchObject({ uid: "EMS-T1", auth_id: token(emspRole, "x").contract_id });
    const hubUrl = body.response_url as string;
    expect(hubUrl.startsWith(`${hub.url}/ocpi/2.2.1/commands/sender/`)).toBe(true);

    // The 2.1.1 CPO posts its result as 2.1.1 does: a CommandResponse, no routing headers.
    const result = await w.cpo211.hubCall("POST", hubUrl, { body: { result: "ACCEPTED" } });
    expectOk(result, JSON.stringify(result.body));
    expect(routingHeadersOf(result.headers)).toEqual([]);
    const delivered = await eventually(() =>
      w.emsp.moduleRequests("commands", "SENDER").find((r) => r.tail === "/c1"),
    );
    expectValid(CommandResultSchema, delivered.body);
    expect(delivered.body).toEqual({ result: "ACCEPTED" });
    expect(delivered.headers["ocpi-from-party-id"]).toBe("OLD");
    expect(delivered.headers["ocpi-to-party-id"]).toBe("EMS");

    // One result per callback: a second is refused.
    const again = await w.cpo211.hubCall("POST", hubUrl, { body: { result: "ACCEPTED" } });
    expect(again.body.status_code).not.toBe(1000);
  });

  it("refuses CANCEL_RESERVATION, which 2.1.1 lacks, and a 2.1.1 result that is no CommandResponse", async () => {
    const w = await world();
    await expectRefused(
      () =>
        w.emsp.hubRoute("POST", at221("commands/receiver/CANCEL_RESERVATION"), {
          to: "BE/OLD",
          body: {
            response_url: `${w.emsp.url}/ocpi/2.2.1/commands/sender/c2`,
            reservation_id: "12",
          },
        }),
      200,
      2001,
      { unforwarded: [w.cpo211], message: ["command", "CANCEL_RESERVATION"] },
    );

    w.cpo211.on((req) =>
      req.module === "commands" ? { body: w.cpo211.envelope({ result: "ACCEPTED" }) } : undefined,
    );
    await w.emsp.hubRoute("POST", at221("commands/receiver/START_SESSION"), {
      to: "BE/OLD",
      body: startSession(w, "c3"),
    });
    const hubUrl = ((await nth(w.cpo211, "commands", 1)).body as any).response_url as string;
    const bad = await w.cpo211.hubCall("POST", hubUrl, { body: { result: "EVSE_OCCUPIED" } });
    expectRefused(bad, 200, 2001, { message: ["result"] });
    expect(w.emsp.moduleRequests("commands", "SENDER")).toEqual([]);
  });
});

describe("command results for a 2.1.1 eMSP", () => {
  /**
   * The 2.1.1 eMSP's StartSession at its 2.1.1 commands URL: 2.1.1 names
   * no receiver, so the hub sends it to the CPO that pushed `locationId`.
   */
  async function start211(w: World, locationId: string, ref: string): Promise<HubAnswer> {
    const answer = await w.emsp211.hubCall("POST", at211("commands/START_SESSION"), {
      body: {
        response_url: `${w.emsp211.url}/ocpi/2.1.1/commands/START_SESSION/${ref}`,
        token: token211(TOKEN_211.uid, TOKEN_211.contract_id),
        location_id: locationId,
        evse_uid: "3256",
      },
    });
    expect(routingHeadersOf(answer.headers)).toEqual([]);
    expectValid(CommandResponse211Schema, answer.body.data);
    return answer;
  }

  /** The result the 2.1.1 eMSP got at its response_url `ref`. */
  const resultAt = (w: World, ref: string) =>
    eventually(() =>
      w.emsp211
        .moduleRequests("commands")
        .find((r) => r.method === "POST" && r.tail === `/START_SESSION/${ref}`),
    );

  it("a 2.2.1 CPO's CommandResult reaches it as a 2.1.1 CommandResponse, without routing headers", async () => {
    const w = await world();
    w.cpo.on((req) =>
      req.module === "commands"
        ? { body: w.cpo.envelope({ result: "ACCEPTED", timeout: 30 }) }
        : undefined,
    );
    await pushLocation(w);
    expectOk(await start211(w, "LOC1", "r1"));
    const forwarded = (await nth(w.cpo, "commands", 1)).body as any;
    expectValid(StartSessionSchema, forwarded);
    expect(forwarded).toMatchObject({
      location_id: "LOC1",
      evse_uid: "3256",
      token: { country_code: "DE", party_id: "ELD", uid: TOKEN_211.uid },
    });
    const result = await w.cpo.hubRoute("POST", forwarded.response_url, {
      to: "DE/ELD",
      body: { result: "EVSE_OCCUPIED", message: [{ language: "en", text: "occupied" }] },
    });
    expectOk(result, JSON.stringify(result.body));
    expect(result.body.status_message).toMatch(/result.*EVSE_OCCUPIED/);
    expect(result.body.status_message).toMatch(/message/);

    const delivered = await resultAt(w, "r1");
    expect211Request(delivered, w.emsp211);
    expectValid(CommandResponse211Schema, delivered.body);
    expect(delivered.body).toEqual({ result: "REJECTED" });
  });

  it("a 2.1.1 CPO's result reaches it byte for byte, 2.1.1 to 2.1.1", async () => {
    const w = await world();
    w.cpo211.on((req) =>
      req.module === "commands" ? { body: w.cpo211.envelope({ result: "ACCEPTED" }) } : undefined,
    );
    const pushed = await w.cpo211.hubCall("PUT", at211("locations/BE/OLD/LOC8"), {
      body: location211("LOC8"),
    });
    expectOk(pushed, JSON.stringify(pushed.body));
    expectOk(await start211(w, "LOC8", "r2"));
    const forwarded = await nth(w.cpo211, "commands", 1);
    expect211Request(forwarded, w.cpo211);
    const raw = '{ "result" : "UNKNOWN_SESSION" }';
    const result = await w.cpo211.hubCall("POST", (forwarded.body as any).response_url, {
      rawBody: raw,
    });
    expectOk(result, JSON.stringify(result.body));
    const delivered = await resultAt(w, "r2");
    expect211Request(delivered, w.emsp211);
    expect(delivered.text).toBe(raw);
  });
});

describe("token pushes to a 2.1.1 CPO", () => {
  it("a 2.2.1 eMSP's token PUT and PATCH reach it as 2.1.1, its URL without ?type=; it gets no ClientInfo", async () => {
    const w = await world();
    const body = token(emspRole, "APP-1", { type: "APP_USER", group_id: "G1" });
    const put = await w.emsp.hubRoute("PUT", at221("tokens/receiver/NL/EMS/APP-1?type=APP_USER"), {
      to: HUB,
      body,
    });
    expectOk(put, JSON.stringify(put.body));
    await hub.settled();
    const pushed = await nth(w.cpo211, "tokens", 1);
    expect(pushed.method).toBe("PUT");
    expect(pushed.target).toBe("/ocpi/2.1.1/tokens/NL/EMS/APP-1");
    expect211Request(pushed, w.cpo211);
    expectValid(Token211Schema, pushed.body);
    expect(pushed.body).toMatchObject({
      uid: "APP-1",
      type: "OTHER",
      auth_id: body.contract_id,
      issuer: body.issuer,
      valid: body.valid,
      whitelist: body.whitelist,
      last_updated: body.last_updated,
    });
    expect((pushed.body as any).group_id).toBeUndefined();
    // The 2.2.1 CPO gets the token as it was pushed.
    const at221Cpo = await nth(w.cpo, "tokens", 1);
    expectValid(TokenSchema, at221Cpo.body);
    expect(at221Cpo.query.get("type")).toBe("APP_USER");

    const patch = { valid: false, last_updated: "2026-03-01T12:00:00Z" };
    const patched = await w.emsp.hubRoute(
      "PATCH",
      at221("tokens/receiver/NL/EMS/APP-1?type=APP_USER"),
      { to: HUB, body: patch },
    );
    expectOk(patched, JSON.stringify(patched.body));
    await hub.settled();
    const second = await nth(w.cpo211, "tokens", 2);
    expect(second.method).toBe("PATCH");
    expect(second.target).toBe("/ocpi/2.1.1/tokens/NL/EMS/APP-1");
    expect211Request(second, w.cpo211);
    expectValid(Token211PatchSchema, second.body);
    expect(second.body).toEqual(patch);

    expect(w.cpo211.requests.filter((r) => r.path.includes("clientinfo"))).toEqual([]);
    expect(w.emsp211.requests.filter((r) => r.path.includes("clientinfo"))).toEqual([]);
  });

  it("a resync sends it every cached token as a 2.1.1 PUT", async () => {
    const w = await world();
    const put = await w.emsp.hubRoute("PUT", at221("tokens/receiver/NL/EMS/RFID-1?type=RFID"), {
      to: HUB,
      body: token(emspRole, "RFID-1"),
    });
    expectOk(put);
    await hub.settled();
    const first = await nth(w.cpo211, "tokens", 1);
    expect(first.method).toBe("PUT");
    const resync = await hub.admin("POST", `/platforms/${ids211.get(w.cpo211)}/resync`);
    expect(resync.status, JSON.stringify(resync.body)).toBeLessThan(300);
    await hub.settled();
    const again = await nth(w.cpo211, "tokens", 2);
    expect(again.method).toBe("PUT");
    expect(again.target).toBe("/ocpi/2.1.1/tokens/NL/EMS/RFID-1");
    expect211Request(again, w.cpo211);
    expectValid(Token211Schema, again.body);
    expect(again.body).toMatchObject({ uid: "RFID-1", type: "RFID" });
  });
});

describe("GETs forwarded to a 2.1.1 platform", () => {
  it("a 2.2.1 CPO's GET of a 2.1.1 eMSP's tokens gets 2.2.1 tokens of that eMSP; one 2.1.1 cannot give is left out", async () => {
    const w = await world();
    w.emsp211.on((req) =>
      req.module === "tokens" && req.method === "GET"
        ? {
            body: w.emsp211.envelope([
              token211("A1", "DE-ELD-A1"),
              { ...token211("A2", "DE-ELD-A2"), type: "BADGE" },
            ]),
            headers: { "X-Total-Count": "2", "X-Limit": "10" },
          }
        : undefined,
    );
    const list = await w.cpo.hubRoute("GET", at221("tokens/sender?limit=10"), { to: "DE/ELD" });
    expectOk(list, JSON.stringify(list.body));
    const asked = await nth(w.emsp211, "tokens", 1);
    expect(asked.path).toBe("/ocpi/2.1.1/tokens");
    expect(asked.query.get("limit")).toBe("10");
    expect211Request(asked, w.emsp211);
    expect(list.body.data).toHaveLength(1);
    expectValid(TokenSchema, list.body.data[0]);
    expect(list.body.data[0]).toMatchObject({
      country_code: "DE",
      party_id: "ELD",
      uid: "A1",
      contract_id: "DE-ELD-A1",
    });
    expect(list.headers.get("x-total-count")).toBe("2");
    const left = hub.logs.find((l) =>
      String(l.msg).includes("left out of an OCPI 2.1.1 Token list"),
    );
    expect(left).toBeDefined();
  });

  it("a 2.2.1 eMSP's GET of one location of a 2.1.1 CPO gets the 2.2.1 Location of that CPO", async () => {
    const w = await world();
    const location = {
      id: "LOC7",
      type: "ON_STREET",
      address: "F.Rooseveltlaan 3A",
      city: "Gent",
      postal_code: "9000",
      country: "BEL",
      coordinates: { latitude: "51.047599", longitude: "3.729944" },
      last_updated: "2026-01-02T10:00:00Z",
    };
    w.cpo211.on((req) =>
      req.module === "locations" ? { body: w.cpo211.envelope(location) } : undefined,
    );
    const read = await w.emsp.hubRoute("GET", at221("locations/sender/LOC7"), { to: "BE/OLD" });
    expectOk(read, JSON.stringify(read.body));
    // (The hub's sync at registration read the list: this GET is the one for LOC7.)
    const asked = got(w.cpo211, "locations").find((r) => r.tail === "/LOC7") as ModuleRequest;
    expect(asked.method).toBe("GET");
    expect211Request(asked, w.cpo211);
    expectValid(LocationSchema, read.body.data);
    expect(read.body.data).toMatchObject({
      country_code: "BE",
      party_id: "OLD",
      id: "LOC7",
      parking_type: "ON_STREET",
      time_zone: "Europe/Brussels",
    });
  });
});
