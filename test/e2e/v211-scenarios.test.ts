import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { CdrSchema } from "../../src/ocpi/schemas/cdrs.js";
import {
  CommandResponseSchema,
  CommandResultSchema,
  StartSessionSchema,
} from "../../src/ocpi/schemas/commands.js";
import { LocationSchema } from "../../src/ocpi/schemas/locations.js";
import { SessionPatchSchema, SessionSchema } from "../../src/ocpi/schemas/sessions.js";
import { TariffSchema } from "../../src/ocpi/schemas/tariffs.js";
import {
  AuthorizationInfoSchema,
  LocationReferencesSchema,
  TokenSchema,
} from "../../src/ocpi/schemas/tokens.js";
import { Cdr211Schema } from "../../src/versions/v2_1_1/schemas/cdrs.js";
import {
  CommandResponse211Schema,
  StartSession211Schema,
} from "../../src/versions/v2_1_1/schemas/commands.js";
import { Location211Schema } from "../../src/versions/v2_1_1/schemas/locations.js";
import {
  Session211PatchSchema,
  Session211Schema,
} from "../../src/versions/v2_1_1/schemas/sessions.js";
import { Tariff211Schema } from "../../src/versions/v2_1_1/schemas/tariffs.js";
import {
  AuthorizationInfo211Schema,
  LocationReferences211Schema,
  Token211Schema,
} from "../../src/versions/v2_1_1/schemas/tokens.js";
import { example, forEmsp } from "../support/examples.js";
import { expectOk } from "../support/expect.js";
import {
  eventually,
  type FakePlatform,
  type HubAnswer,
  type ModuleRequest,
} from "../support/fake-platform.js";
import type { Modules, Party } from "../support/parties.js";
import { startHub, type TestHub } from "../support/test-hub.js";
import { expectValid } from "../support/v211.js";
import {
  cdr211,
  connect211,
  location211,
  session211,
  tariff211,
  token211,
} from "../support/v211-bodies.js";

/**
 * Issue 18's "Done when": a CPO and an eMSP of every pairing of versions
 * that involves 2.1.1 exchange, through the hub over real HTTP, locations
 * (push and GET-all), tariffs, tokens with real-time authorization, a
 * session started by a command (StartSession, the CPO's answer, its async
 * result), the session's PUT and PATCH, and its CDR. One table of what
 * each version sends, where it receives and how its objects read; every
 * step checks that the receiver got a valid object of its own version
 * carrying the sender's values.
 */

type Version = "2.1.1" | "2.2.1";

const HUB = "NL/HUB";
const LOCATION = "LOC1";
const TOKEN_UID = "UID1";

/** The values both versions carry, read from an object of either. */
interface Views {
  location(l: any): object;
  tariff(t: any): object;
  token(t: any): object;
  session(s: any): object;
  cdr(c: any): object;
}

/** What the CPO side of one version sends, how, and what it receives. */
interface CpoDialect {
  party: Party;
  modules: Modules;
  location(): any;
  tariff(id: string): any;
  session(id: string, token: any, emsp: Party): any;
  sessionPatch(): any;
  cdr(id: string, token: any, emsp: Party): any;
  putLocation(cpo: FakePlatform, body: any): Promise<HubAnswer>;
  putTariff(cpo: FakePlatform, body: any): Promise<HubAnswer>;
  authorize(cpo: FakePlatform, uid: string, refs: any): Promise<HubAnswer>;
  putSession(cpo: FakePlatform, body: any): Promise<HubAnswer>;
  patchSession(cpo: FakePlatform, id: string, body: any): Promise<HubAnswer>;
  postCdr(cpo: FakePlatform, body: any): Promise<HubAnswer>;
  postResult(cpo: FakePlatform, url: string, body: any): Promise<HubAnswer>;
  /** Its immediate answer to a command and its async result. */
  commandResponse: any;
  commandResult: any;
  /** The path prefix its tokens and commands arrive at. */
  receives: { tokens: string; commands: string };
  schemas: { Token: z.ZodType; StartSession: z.ZodType; AuthorizationInfo: z.ZodType };
}

/** What the eMSP side of one version sends, how, and what it receives. */
interface EmspDialect {
  party: Party;
  modules: Modules;
  token(uid: string): any;
  putToken(emsp: FakePlatform, body: any): Promise<HubAnswer>;
  getLocations(emsp: FakePlatform): Promise<HubAnswer>;
  startSession(emsp: FakePlatform, body: any): Promise<HubAnswer>;
  startSessionBody(responseUrl: string, token: any): any;
  /** Its own URL the CPO's async result comes back to. */
  responseUrl(emsp: FakePlatform, ref: string): string;
  /** Its answer to a real-time authorization of `token` at `refs`. */
  authorizationInfo(token: any, refs: any): any;
  /** The path a real-time authorization of `uid` asks it at. */
  authorizePath(uid: string): string;
  /** The path its pushes of locations, tariffs, sessions and CDRs arrive at, owner included. */
  receives(module: string, cpo: Party, id?: string): string;
  schemas: {
    Location: z.ZodType;
    Tariff: z.ZodType;
    Session: z.ZodType;
    SessionPatch: z.ZodType;
    Cdr: z.ZodType;
    LocationReferences: z.ZodType;
    CommandResponse: z.ZodType;
    CommandResult: z.ZodType;
  };
}

const at = (hub: TestHub, version: Version, path: string) => `${hub.url}/ocpi/${version}/${path}`;
const partyPath = (p: Party) => `${p.country_code}/${p.party_id}`;
const first = (l: any) => l.evses?.[0];

/** A location's values, alike in both versions (its first EVSE and connector). */
const locationView = (l: any) => ({
  id: l.id,
  address: l.address,
  city: l.city,
  postal_code: l.postal_code,
  evse_uid: first(l)?.uid,
  evse_id: first(l)?.evse_id,
  connector: first(l)?.connectors[0].id,
  standard: first(l)?.connectors[0].standard,
});

/** A tariff's values, alike in both versions (its first price component). */
const tariffView = (t: any) => ({
  id: t.id,
  currency: t.currency,
  price: t.elements[0].price_components[0],
});

const VIEWS: Record<Version, Views> = {
  "2.2.1": {
    location: locationView,
    tariff: tariffView,
    token: (t) => ({ uid: t.uid, type: t.type, contract: t.contract_id, valid: t.valid }),
    session: (s) => ({
      id: s.id,
      start: s.start_date_time,
      kwh: s.kwh,
      status: s.status,
      contract: s.cdr_token.contract_id,
      location: s.location_id,
      evse_uid: s.evse_uid,
    }),
    cdr: (c) => ({
      id: c.id,
      stop: c.end_date_time,
      energy: c.total_energy,
      cost: c.total_cost.excl_vat,
      contract: c.cdr_token.contract_id,
      location: c.cdr_location.id,
      evse_uid: c.cdr_location.evse_uid,
    }),
  },
  "2.1.1": {
    location: locationView,
    tariff: tariffView,
    token: (t) => ({ uid: t.uid, type: t.type, contract: t.auth_id, valid: t.valid }),
    session: (s) => ({
      id: s.id,
      start: s.start_datetime,
      kwh: s.kwh,
      status: s.status,
      contract: s.auth_id,
      location: s.location.id,
      evse_uid: first(s.location)?.uid,
    }),
    cdr: (c) => ({
      id: c.id,
      stop: c.stop_date_time,
      energy: c.total_energy,
      cost: c.total_cost,
      contract: c.auth_id,
      location: c.location.id,
      evse_uid: first(c.location)?.uid,
    }),
  },
};

/** A price component without VAT, which 2.1.1 does not have. */
const priceOf = (view: any) => {
  const { vat: _vat, ...price } = view.price;
  return { ...view, price };
};

function cpoDialect(version: Version, hub: () => TestHub): CpoDialect {
  const url = (path: string) => at(hub(), version, path);
  if (version === "2.2.1") {
    const party: Party = { role: "CPO", country_code: "NL", party_id: "CPO" };
    const own = partyPath(party);
    return {
      party,
      modules: CPO_MODULES,
      location: () => ({ ...example("location_example.json"), ...ownerOf(party), id: LOCATION }),
      tariff: (id) => ({ ...example("tariff_1_simple_2hour.json"), ...ownerOf(party), id }),
      session: (id, token, emsp) => ({
        ...forEmsp("session_example_1_simple_start.json", party, emsp, id),
        cdr_token: cdrTokenOf(token, emsp),
        kwh: 3.5,
        status: "ACTIVE",
      }),
      sessionPatch: () => ({ kwh: 9.5, status: "COMPLETED", last_updated: "2026-03-01T12:00:00Z" }),
      cdr: (id, token, emsp) => ({
        ...forEmsp("cdr_example.json", party, emsp, id),
        cdr_token: cdrTokenOf(token, emsp),
      }),
      putLocation: (cpo, body) =>
        cpo.hubRoute("PUT", url(`locations/receiver/${own}/${body.id}`), { to: HUB, body }),
      putTariff: (cpo, body) =>
        cpo.hubRoute("PUT", url(`tariffs/receiver/${own}/${body.id}`), { to: HUB, body }),
      authorize: (cpo, uid, refs) =>
        cpo.hubRoute("POST", url(`tokens/sender/${uid}/authorize?type=RFID`), { body: refs }),
      putSession: (cpo, body) =>
        cpo.hubRoute("PUT", url(`sessions/receiver/${own}/${body.id}`), { body }),
      patchSession: (cpo, id, body) =>
        cpo.hubRoute("PATCH", url(`sessions/receiver/${own}/${id}`), { body }),
      postCdr: (cpo, body) => cpo.hubRoute("POST", url("cdrs/receiver"), { body }),
      postResult: (cpo, resultUrl, body) => cpo.hubRoute("POST", resultUrl, { body }),
      commandResponse: { result: "ACCEPTED", timeout: 30 },
      commandResult: { result: "ACCEPTED" },
      receives: {
        tokens: "/ocpi/2.2.1/tokens/receiver/",
        commands: "/ocpi/2.2.1/commands/receiver/",
      },
      schemas: {
        Token: TokenSchema,
        StartSession: StartSessionSchema,
        AuthorizationInfo: AuthorizationInfoSchema,
      },
    };
  }
  const party: Party = { role: "CPO", country_code: "BE", party_id: "OLD" };
  const own = partyPath(party);
  return {
    party,
    modules: CPO_MODULES,
    location: () => location211(LOCATION),
    tariff: (id) => tariff211(id),
    session: (id, token) => session211(id, contractOf(token), location211(LOCATION, "CHARGING")),
    sessionPatch: () => ({ kwh: 9.5, status: "COMPLETED" }),
    cdr: (id, token) => cdr211(id, contractOf(token), location211(LOCATION)),
    putLocation: (cpo, body) => cpo.hubCall("PUT", url(`locations/${own}/${body.id}`), { body }),
    putTariff: (cpo, body) => cpo.hubCall("PUT", url(`tariffs/${own}/${body.id}`), { body }),
    authorize: (cpo, uid, refs) =>
      cpo.hubCall("POST", url(`tokens/${uid}/authorize`), { body: refs }),
    putSession: (cpo, body) => cpo.hubCall("PUT", url(`sessions/${own}/${body.id}`), { body }),
    patchSession: (cpo, id, body) => cpo.hubCall("PATCH", url(`sessions/${own}/${id}`), { body }),
    postCdr: (cpo, body) => cpo.hubCall("POST", url("cdrs"), { body }),
    postResult: (cpo, resultUrl, body) => cpo.hubCall("POST", resultUrl, { body }),
    commandResponse: { result: "ACCEPTED" },
    commandResult: { result: "ACCEPTED" },
    receives: { tokens: "/ocpi/2.1.1/tokens/", commands: "/ocpi/2.1.1/commands/" },
    schemas: {
      Token: Token211Schema,
      StartSession: StartSession211Schema,
      AuthorizationInfo: AuthorizationInfo211Schema,
    },
  };
}

function emspDialect(version: Version, hub: () => TestHub): EmspDialect {
  const url = (path: string) => at(hub(), version, path);
  if (version === "2.2.1") {
    const party: Party = { role: "EMSP", country_code: "NL", party_id: "EMS" };
    const own = partyPath(party);
    return {
      party,
      modules: EMSP_MODULES,
      token: (uid) => ({
        ...example("token_put_example.json"),
        ...ownerOf(party),
        uid,
        contract_id: "NL-EMS-C00000001-X",
      }),
      putToken: (emsp, body) =>
        emsp.hubRoute("PUT", url(`tokens/receiver/${own}/${body.uid}?type=RFID`), {
          to: HUB,
          body,
        }),
      getLocations: (emsp) => emsp.hubRoute("GET", url("locations/sender"), { to: HUB }),
      startSession: (emsp, body) =>
        emsp.hubRoute("POST", url("commands/receiver/START_SESSION"), { body }),
      startSessionBody,
      responseUrl: (emsp, ref) => `${emsp.url}/ocpi/2.2.1/commands/sender/START_SESSION/${ref}`,
      authorizationInfo: (token, refs) => ({
        allowed: "ALLOWED",
        token,
        location: refs,
        authorization_reference: "AUTH-1",
      }),
      authorizePath: (uid) => `/ocpi/2.2.1/tokens/sender/${uid}/authorize`,
      receives: (module, cpo, id) =>
        `/ocpi/2.2.1/${module}/receiver${id === undefined ? "" : `/${partyPath(cpo)}/${id}`}`,
      schemas: {
        Location: LocationSchema,
        Tariff: TariffSchema,
        Session: SessionSchema,
        SessionPatch: SessionPatchSchema,
        Cdr: CdrSchema,
        LocationReferences: LocationReferencesSchema,
        CommandResponse: CommandResponseSchema,
        CommandResult: CommandResultSchema,
      },
    };
  }
  const party: Party = { role: "EMSP", country_code: "DE", party_id: "ELD" };
  const own = partyPath(party);
  return {
    party,
    modules: EMSP_MODULES,
    token: (uid) => token211(uid, "DE-ELD-C00000002-Y"),
    putToken: (emsp, body) => emsp.hubCall("PUT", url(`tokens/${own}/${body.uid}`), { body }),
    getLocations: (emsp) => emsp.hubCall("GET", url("locations")),
    startSession: (emsp, body) => emsp.hubCall("POST", url("commands/START_SESSION"), { body }),
    startSessionBody,
    responseUrl: (emsp, ref) => `${emsp.url}/ocpi/2.1.1/commands/START_SESSION/${ref}`,
    authorizationInfo: (_token, refs) => ({ allowed: "ALLOWED", location: refs }),
    authorizePath: (uid) => `/ocpi/2.1.1/tokens/${uid}/authorize`,
    receives: (module, cpo, id) =>
      `/ocpi/2.1.1/${module}${id === undefined ? "" : `/${partyPath(cpo)}/${id}`}`,
    schemas: {
      Location: Location211Schema,
      Tariff: Tariff211Schema,
      Session: Session211Schema,
      SessionPatch: Session211PatchSchema,
      Cdr: Cdr211Schema,
      LocationReferences: LocationReferences211Schema,
      CommandResponse: CommandResponse211Schema,
      CommandResult: CommandResponse211Schema,
    },
  };
}

/** Both versions' platforms implement the same interfaces of every 2.1.1 module. */
const CPO_MODULES: Modules = [
  { identifier: "locations", role: "SENDER" },
  { identifier: "tariffs", role: "SENDER" },
  { identifier: "sessions", role: "SENDER" },
  { identifier: "cdrs", role: "SENDER" },
  { identifier: "tokens", role: "RECEIVER" },
  { identifier: "commands", role: "RECEIVER" },
];
const EMSP_MODULES: Modules = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "tariffs", role: "RECEIVER" },
  { identifier: "sessions", role: "RECEIVER" },
  { identifier: "cdrs", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
  { identifier: "commands", role: "SENDER" },
];

/** A StartSession at LOC1's EVSE 3256, alike in both versions but for the token's shape. */
const startSessionBody = (responseUrl: string, token: any) => ({
  response_url: responseUrl,
  token,
  location_id: LOCATION,
  evse_uid: "3256",
});

const ownerOf = (p: Party) => ({ country_code: p.country_code, party_id: p.party_id });

/** The eMSP's token of either version as the CdrToken a 2.2.1 CPO puts in a session or CDR. */
function cdrTokenOf(token: any, emsp: Party) {
  return {
    ...ownerOf(emsp),
    uid: token.uid,
    type: token.type,
    contract_id: contractOf(token),
  };
}

/** The contract of a token of either version: 2.2.1's contract_id, 2.1.1's auth_id. */
const contractOf = (token: any): string => token.contract_id ?? token.auth_id;

const PAIRINGS: { name: string; cpo: Version; emsp: Version }[] = [
  { name: "a 2.1.1 CPO and a 2.2.1 eMSP", cpo: "2.1.1", emsp: "2.2.1" },
  { name: "a 2.2.1 CPO and a 2.1.1 eMSP", cpo: "2.2.1", emsp: "2.1.1" },
  { name: "a 2.1.1 CPO and a 2.1.1 eMSP", cpo: "2.1.1", emsp: "2.1.1" },
];

let hub: TestHub;

afterEach(async () => {
  await hub?.close();
});

/** The `count`th request a platform got at paths starting with `prefix`. */
async function nthAt(platform: FakePlatform, prefix: string, count = 1): Promise<ModuleRequest> {
  const list = await eventually(() => {
    const found = platform.moduleRequests().filter((r) => r.path.startsWith(prefix));
    return found.length >= count ? found : undefined;
  });
  return list[count - 1] as ModuleRequest;
}

/** The hub's answer succeeded, with routing headers only for a 2.2.1 caller. */
function expectAnswered(answer: HubAnswer, version: Version): void {
  expectOk(answer, JSON.stringify(answer.body));
  if (version === "2.1.1") {
    expect([...answer.headers.keys()].filter((n) => n.startsWith("ocpi-"))).toEqual([]);
  }
}

describe.each(PAIRINGS)("$name", (pairing) => {
  const C = cpoDialect(pairing.cpo, () => hub);
  const E = emspDialect(pairing.emsp, () => hub);
  const cpoViews = VIEWS[pairing.cpo];
  const emspViews = VIEWS[pairing.emsp];

  /** Both platforms connected, each over its own version. */
  async function world(): Promise<{ cpo: FakePlatform; emsp: FakePlatform }> {
    hub = await startHub();
    const connect = async (version: Version, role: Party, modules: Modules) =>
      version === "2.1.1"
        ? (await connect211(hub, role, modules)).platform
        : (await hub.connect([role], { modules })).platform;
    const cpo = await connect(pairing.cpo, C.party, C.modules);
    const emsp = await connect(pairing.emsp, E.party, E.modules);
    return { cpo, emsp };
  }

  /** The eMSP's token pushed to the hub and received by the CPO in the CPO's version. */
  async function pushToken(w: { cpo: FakePlatform; emsp: FakePlatform }): Promise<any> {
    const token = E.token(TOKEN_UID);
    expectAnswered(await E.putToken(w.emsp, token), pairing.emsp);
    await hub.settled();
    const got = await nthAt(w.cpo, C.receives.tokens);
    expect(got.method).toBe("PUT");
    expect(got.path).toBe(`${C.receives.tokens}${partyPath(E.party)}/${TOKEN_UID}`);
    expectValid(C.schemas.Token, got.body);
    expect(cpoViews.token(got.body)).toEqual(emspViews.token(token));
    return token;
  }

  /** The CPO's location pushed to the hub and received by the eMSP in the eMSP's version. */
  async function pushLocation(w: { cpo: FakePlatform; emsp: FakePlatform }): Promise<any> {
    const location = C.location();
    expectAnswered(await C.putLocation(w.cpo, location), pairing.cpo);
    await hub.settled();
    const got = await nthAt(w.emsp, E.receives("locations", C.party, LOCATION));
    expect(got.method).toBe("PUT");
    expectValid(E.schemas.Location, got.body);
    expect(emspViews.location(got.body)).toEqual(cpoViews.location(location));
    return location;
  }

  it("locations: the CPO's push reaches the eMSP, and the eMSP's GET-all lists it", async () => {
    const w = await world();
    const location = await pushLocation(w);

    const all = await E.getLocations(w.emsp);
    expectAnswered(all, pairing.emsp);
    const listed = (all.body.data as any[]).find((l) => l.id === LOCATION);
    expectValid(E.schemas.Location, listed);
    expect(emspViews.location(listed)).toEqual(cpoViews.location(location));
    expect(all.headers.get("x-total-count")).toBe("1");
  });

  it("tariffs: the CPO's push reaches the eMSP in its version", async () => {
    const w = await world();
    const tariff = C.tariff("TAR1");
    expectAnswered(await C.putTariff(w.cpo, tariff), pairing.cpo);
    await hub.settled();
    const got = await nthAt(w.emsp, E.receives("tariffs", C.party, "TAR1"));
    expect(got.method).toBe("PUT");
    expectValid(E.schemas.Tariff, got.body);
    expect(priceOf(emspViews.tariff(got.body))).toEqual(priceOf(cpoViews.tariff(tariff)));
  });

  it("tokens: the eMSP's push reaches the CPO, whose real-time authorization the eMSP answers", async () => {
    const w = await world();
    const token = await pushToken(w);
    w.emsp.on((req) =>
      req.module === "tokens" && req.method === "POST"
        ? { body: w.emsp.envelope(E.authorizationInfo(token, req.body)) }
        : undefined,
    );
    const refs = { location_id: LOCATION, evse_uids: ["3256"] };
    const answer = await C.authorize(w.cpo, TOKEN_UID, refs);
    expectAnswered(answer, pairing.cpo);

    const asked = await nthAt(w.emsp, E.authorizePath(TOKEN_UID));
    expect(asked.method).toBe("POST");
    expectValid(E.schemas.LocationReferences, asked.body);
    expect(asked.body).toEqual(refs);

    expectValid(C.schemas.AuthorizationInfo, answer.body.data);
    expect(answer.body.data).toMatchObject({ allowed: "ALLOWED", location: refs });
  });

  it("a session started by a command: StartSession, the CPO's answer and async result, the session's PUT and PATCH, its CDR", async () => {
    const w = await world();
    const token = await pushToken(w);
    await pushLocation(w);

    // StartSession: the eMSP names the location, the hub finds its CPO.
    w.cpo.on((req) =>
      req.module === "commands" ? { body: w.cpo.envelope(C.commandResponse) } : undefined,
    );
    const responseUrl = E.responseUrl(w.emsp, "ref-1");
    const started = await E.startSession(w.emsp, E.startSessionBody(responseUrl, token));
    expectAnswered(started, pairing.emsp);
    expectValid(E.schemas.CommandResponse, started.body.data);
    expect(started.body.data.result).toBe("ACCEPTED");
    const command = await nthAt(w.cpo, `${C.receives.commands}START_SESSION`);
    expectValid(C.schemas.StartSession, command.body);
    const forwarded = command.body as any;
    expect(forwarded).toMatchObject({ location_id: LOCATION, evse_uid: "3256" });
    expect(cpoViews.token(forwarded.token)).toMatchObject({
      uid: TOKEN_UID,
      contract: contractOf(token),
    });
    expect(forwarded.response_url.startsWith(hub.url), forwarded.response_url).toBe(true);

    // The async result, posted where the hub told the CPO, reaches the eMSP's own response_url.
    expectAnswered(await C.postResult(w.cpo, forwarded.response_url, C.commandResult), pairing.cpo);
    const result = await nthAt(w.emsp, new URL(responseUrl).pathname);
    expect(result.method).toBe("POST");
    expectValid(E.schemas.CommandResult, result.body);
    expect(result.body).toEqual({ result: "ACCEPTED" });

    // The session's PUT goes to the eMSP of its token, the PATCH after it.
    const session = C.session("S1", token, E.party);
    expectAnswered(await C.putSession(w.cpo, session), pairing.cpo);
    const put = await nthAt(w.emsp, E.receives("sessions", C.party, "S1"));
    expect(put.method).toBe("PUT");
    expectValid(E.schemas.Session, put.body);
    expect(emspViews.session(put.body)).toEqual(cpoViews.session(session));

    expectAnswered(await C.patchSession(w.cpo, "S1", C.sessionPatch()), pairing.cpo);
    const patch = await nthAt(w.emsp, E.receives("sessions", C.party, "S1"), 2);
    expect(patch.method).toBe("PATCH");
    expectValid(E.schemas.SessionPatch, patch.body);
    expect(patch.body).toMatchObject({ kwh: 9.5, status: "COMPLETED" });

    // Its CDR goes to the eMSP of the token too.
    const cdr = C.cdr("CDR1", token, E.party);
    expectAnswered(await C.postCdr(w.cpo, cdr), pairing.cpo);
    const posted = await nthAt(w.emsp, E.receives("cdrs", C.party));
    expect(posted.method).toBe("POST");
    expectValid(E.schemas.Cdr, posted.body);
    expect(emspViews.cdr(posted.body)).toEqual(cpoViews.cdr(cdr));
  });
});
