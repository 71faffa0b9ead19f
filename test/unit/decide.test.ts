import { describe, expect, it } from "vitest";
import type { PlatformStatus } from "../../src/db/schema/index.js";
import { cdrs } from "../../src/modules/cdrs.js";
import { chargingprofiles } from "../../src/modules/chargingprofiles.js";
import { commands } from "../../src/modules/commands.js";
import { locations } from "../../src/modules/locations.js";
import type { FunctionalModuleSpec } from "../../src/modules/module-spec.js";
import { sessions } from "../../src/modules/sessions.js";
import { tariffs } from "../../src/modules/tariffs.js";
import { tokens } from "../../src/modules/tokens.js";
import { OcpiError } from "../../src/ocpi/errors.js";
import type { InterfaceRole } from "../../src/ocpi/schemas/version.js";
import type { Hosted, Party, Platform } from "../../src/registry/registry.js";
import {
  decide,
  type RegistryView,
  type Routing,
  type RoutingDecision,
  type RoutingHeaderValues,
  readRouting,
  senderRule,
} from "../../src/routing/decide.js";
import { interfaceOperations } from "../../src/routing/operations.js";

const HUB = { countryCode: "NL", partyId: "HUB" };
const CPO: Party = { role: "CPO", countryCode: "NL", partyId: "CPO", businessDetails: null };
const EMSP: Party = { role: "EMSP", countryCode: "DE", partyId: "EMS", businessDetails: null };

function platform(
  id: string,
  status: PlatformStatus,
  roles: Party[],
  endpoints: { identifier: string; role: InterfaceRole }[],
): Platform {
  return {
    id,
    status,
    roles,
    name: id,
    endpoints: endpoints.map((e) => ({ ...e, url: `http://${id}.test/${e.identifier}` })),
  } as unknown as Platform;
}

/** A registry view over a fixed list of platforms. */
function view(...platforms: Platform[]): RegistryView {
  return {
    mayExchange: () => true,
    partiesAt(cc, pid): Hosted[] {
      return platforms.flatMap((p) =>
        p.roles
          .filter(
            (r) =>
              r.countryCode.toUpperCase() === cc.toUpperCase() &&
              r.partyId.toUpperCase() === pid.toUpperCase(),
          )
          .map((party) => ({ platform: p, party })),
      );
    },
  };
}

const emspEndpoints: { identifier: string; role: InterfaceRole }[] = [
  { identifier: "locations", role: "RECEIVER" },
  { identifier: "sessions", role: "RECEIVER" },
  { identifier: "cdrs", role: "RECEIVER" },
  { identifier: "tokens", role: "SENDER" },
];

const emspPlatform = platform("emsp", "CONNECTED", [EMSP], emspEndpoints);
const registry = view(
  platform("cpo", "CONNECTED", [CPO], [{ identifier: "tokens", role: "RECEIVER" }]),
  emspPlatform,
);

function facts(
  module: FunctionalModuleSpec,
  iface: InterfaceRole,
  method: string,
  path: string,
  to: Routing["to"],
  from: Party = CPO,
) {
  const found = interfaceOperations(module, iface).match(
    method,
    path.split("/").filter((s) => s !== ""),
  );
  if (found.kind !== "found") throw new Error(`no ${method} ${path} on ${module.id} ${iface}`);
  return { op: found.op, params: found.params, routing: { from, to } };
}

const toEmsp = { countryCode: "DE", partyId: "EMS" };

/** The kind of a decision, with its refusal code or target where it has one. */
function summary(d: RoutingDecision): string {
  switch (d.kind) {
    case "reject":
      return `reject ${d.error.statusCode}`;
    case "direct":
      return `direct ${d.target.platform.id} ${d.target.endpoint}`;
    case "cache-object":
      return `cache-object ${d.module.id} owner=${d.owner ? `${d.owner.countryCode}/${d.owner.partyId}` : "-"}`;
    case "cache-list":
    case "broadcast":
      return `${d.kind} ${d.module.id}`;
    default:
      return d.kind;
  }
}

describe("decide", () => {
  const cases: [string, ReturnType<typeof facts>, string][] = [
    [
      "a command result on a hub callback URL",
      facts(commands, "SENDER", "POST", "/abc", undefined),
      "callback",
    ],
    [
      "a charging-profile result on a hub callback URL, whatever OCPI-to says",
      facts(chargingprofiles, "SENDER", "POST", "/abc", "hub"),
      "callback",
    ],
    ["a CDR behind a hub Location", facts(cdrs, "RECEIVER", "GET", "/xyz", undefined), "cdr-link"],
    [
      "GET all locations via the hub",
      facts(locations, "SENDER", "GET", "", "hub", EMSP),
      "cache-list locations",
    ],
    [
      "a list GET without OCPI-to cannot be open-routed: the cache answers",
      facts(tariffs, "SENDER", "GET", "", undefined, EMSP),
      "cache-list tariffs",
    ],
    [
      "a list GET to a named CPO goes to it",
      facts(tokens, "SENDER", "GET", "", toEmsp, CPO),
      "direct emsp http://emsp.test/tokens",
    ],
    [
      "one location by id from the hub",
      facts(locations, "SENDER", "GET", "/L1", "hub", EMSP),
      "cache-object locations owner=-",
    ],
    [
      "one location by id without OCPI-to is open-routed to its CPO",
      facts(locations, "SENDER", "GET", "/L1", undefined, EMSP),
      "open",
    ],
    [
      "a CPO reads the hub's copy of its own location",
      facts(locations, "RECEIVER", "GET", "/NL/CPO/L1/E1", "hub"),
      "cache-object locations owner=NL/CPO",
    ],
    [
      "a tariff by id exists only on the hub: without OCPI-to the cache answers",
      facts(tariffs, "SENDER", "GET", "/T1", undefined, EMSP),
      "cache-object tariffs owner=-",
    ],
    [
      "a tariff by id addressed to a party is refused: only the hub answers it",
      facts(tariffs, "SENDER", "GET", "/T1", { countryCode: "NL", partyId: "CPO" }, EMSP),
      "reject 4000",
    ],
    [
      "a location PUT to the hub is broadcast",
      facts(locations, "RECEIVER", "PUT", "/NL/CPO/L1", "hub"),
      "broadcast locations",
    ],
    [
      "a connector PATCH to the hub is broadcast",
      facts(locations, "RECEIVER", "PATCH", "/NL/CPO/L1/E1/C1", "hub"),
      "broadcast locations",
    ],
    [
      "a tariff DELETE to the hub is broadcast",
      facts(tariffs, "RECEIVER", "DELETE", "/NL/CPO/T1", "hub"),
      "broadcast tariffs",
    ],
    [
      "a token PATCH to the hub is broadcast",
      facts(tokens, "RECEIVER", "PATCH", "/DE/EMS/U1", "hub", EMSP),
      "broadcast tokens",
    ],
    [
      "a token GET to the hub is answered from the cache: the eMSP reads the hub's copy of its own token",
      facts(tokens, "RECEIVER", "GET", "/DE/EMS/U1", "hub", EMSP),
      "cache-object tokens owner=DE/EMS",
    ],
    [
      "a CPO's token list from the hub is answered from the cache (GET All via Hubs)",
      facts(tokens, "SENDER", "GET", "", "hub"),
      "cache-list tokens",
    ],
    [
      "a session PUT to the hub goes to the eMSP its content names",
      facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", "hub"),
      "open",
    ],
    [
      "a CDR POST to the hub is routed by content",
      facts(cdrs, "RECEIVER", "POST", "", "hub"),
      "open",
    ],
    [
      "a command to the hub is refused",
      facts(commands, "RECEIVER", "POST", "/START_SESSION", "hub", EMSP),
      "reject 4000",
    ],
    [
      "a session list from the hub is refused: sessions are not cached",
      facts(sessions, "SENDER", "GET", "", "hub", EMSP),
      "reject 4000",
    ],
    [
      "an authorization without OCPI-to is open-routed",
      facts(tokens, "SENDER", "POST", "/U1/authorize", undefined),
      "open",
    ],
    [
      "a session PUT to a named eMSP goes to its endpoint",
      facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", toEmsp),
      "direct emsp http://emsp.test/sessions",
    ],
    [
      "OCPI-to compares case-insensitively",
      facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", { countryCode: "de", partyId: "ems" }),
      "direct emsp http://emsp.test/sessions",
    ],
    [
      "an unknown receiver",
      facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", { countryCode: "FR", partyId: "XXX" }),
      "reject 4001",
    ],
    [
      "a receiver without the interface",
      facts(tariffs, "RECEIVER", "PUT", "/NL/CPO/T1", toEmsp),
      "reject 4000",
    ],
  ];

  it.each(cases)("%s", (_name, request, expected) => {
    expect(summary(decide(request, registry))).toBe(expected);
  });

  it("refuses a receiver whose platform is not connected with 4003 naming the status, without trying it", () => {
    const pending = platform("emsp", "PENDING", [EMSP], emspEndpoints);
    const d = decide(facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", toEmsp), view(pending));
    expect(d.kind).toBe("reject");
    if (d.kind !== "reject") return;
    expect(d.error.statusCode).toBe(4003);
    expect(d.error.message).toMatch(/DE\/EMS is not connected to the hub \(status PENDING\)/);
  });

  it("picks the connected platform with the interface when several host the codes", () => {
    const suspended = platform("old", "SUSPENDED", [EMSP], emspEndpoints);
    const bare = platform("bare", "CONNECTED", [EMSP], []);
    const d = decide(
      facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", toEmsp),
      view(suspended, bare, emspPlatform),
    );
    expect(summary(d)).toBe("direct emsp http://emsp.test/sessions");
  });

  it("sends to a party only in a role that implements the interface, whatever endpoints its platform lists", () => {
    const cpoWithSessions = platform(
      "cpo2",
      "CONNECTED",
      [CPO],
      [{ identifier: "sessions", role: "RECEIVER" }],
    );
    const toCpo = { countryCode: "NL", partyId: "CPO" };
    const d = decide(
      facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", toCpo),
      view(cpoWithSessions),
    );
    expect(summary(d)).toBe("reject 4000");
  });

  it("refuses a receiver without a roaming agreement with 2000 naming both parties and the module", () => {
    const asked: string[] = [];
    const agreements: RegistryView = {
      ...registry,
      mayExchange: (a, b, module) => {
        asked.push(`${a.role} ${a.partyId} ${b.role} ${b.partyId} ${module}`);
        return module === "cdrs";
      },
    };
    const session = decide(facts(sessions, "RECEIVER", "PUT", "/NL/CPO/S1", toEmsp), agreements);
    expect(session.kind === "reject" && [session.error.statusCode, session.error.message]).toEqual([
      2000,
      "no roaming agreement between NL/CPO and DE/EMS for sessions",
    ]);
    const cdr = decide(facts(cdrs, "RECEIVER", "POST", "", toEmsp), agreements);
    expect(summary(cdr)).toBe("direct emsp http://emsp.test/cdrs");
    // From the eMSP's side, the pair is named in the same order.
    const token = decide(
      facts(tokens, "RECEIVER", "PUT", "/DE/EMS/T1", { countryCode: "NL", partyId: "CPO" }, EMSP),
      agreements,
    );
    expect(token.kind === "reject" && token.error.message).toBe(
      "no roaming agreement between NL/CPO and DE/EMS for tokens",
    );
    expect(asked).toEqual([
      "CPO CPO EMSP EMS sessions",
      "CPO CPO EMSP EMS cdrs",
      "EMSP EMS CPO CPO tokens",
    ]);
  });

  it("names the module and interface a connected receiver lacks", () => {
    const d = decide(facts(tariffs, "RECEIVER", "PUT", "/NL/CPO/T1", toEmsp), registry);
    expect(d.kind === "reject" && d.error.message).toBe(
      "party DE/EMS does not implement the tariffs RECEIVER interface",
    );
  });
});

describe("readRouting", () => {
  const headers = (h: Partial<RoutingHeaderValues>): RoutingHeaderValues => ({
    fromCountryCode: "NL",
    fromPartyId: "CPO",
    toCountryCode: undefined,
    toPartyId: undefined,
    ...h,
  });
  const refusals: [string, Partial<RoutingHeaderValues>, RegExp][] = [
    [
      "OCPI-from missing",
      { fromCountryCode: undefined },
      /OCPI-from-country-code and OCPI-from-party-id are required/,
    ],
    ["OCPI-from-party-id missing", { fromPartyId: undefined }, /are required on routed modules/],
    [
      "OCPI-from of another platform",
      { fromPartyId: "XXX" },
      /OCPI-from NL\/XXX is not a party of the calling platform \(NL\/CPO\)/,
    ],
    ["OCPI-to-party-id alone", { toCountryCode: "DE" }, /^OCPI-to-party-id is missing/],
    ["OCPI-to-country-code alone", { toPartyId: "EMS" }, /^OCPI-to-country-code is missing/],
    [
      "a three-letter country",
      { toCountryCode: "DEU", toPartyId: "EMS" },
      /OCPI-to-country-code must be two letters, got "DEU"/,
    ],
    ["digits for a country", { toCountryCode: "D1", toPartyId: "EMS" }, /must be two letters/],
    [
      "a two-character party",
      { toCountryCode: "DE", toPartyId: "EM" },
      /OCPI-to-party-id must be three letters or digits, got "EM"/,
    ],
    ["a party with a symbol", { toCountryCode: "DE", toPartyId: "E-S" }, /three letters or digits/],
  ];

  it.each(refusals)("refuses %s with 2001 naming the header", (_name, h, message) => {
    let error: unknown;
    try {
      readRouting(headers(h), [CPO], HUB);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OcpiError);
    expect((error as OcpiError).statusCode).toBe(2001);
    expect((error as OcpiError).httpStatus).toBe(200);
    expect((error as OcpiError).message).toMatch(message);
  });

  it("takes the caller's own party, whatever the case of the header", () => {
    expect(
      readRouting(headers({ fromCountryCode: "nl", fromPartyId: "cpo" }), [EMSP, CPO], HUB),
    ).toEqual({
      from: CPO,
      to: undefined,
    });
  });

  it("reads the hub's own codes as the hub, in any case", () => {
    expect(readRouting(headers({ toCountryCode: "nl", toPartyId: "hub" }), [CPO], HUB).to).toBe(
      "hub",
    );
  });

  it("takes the party whose role may send the operation when one pair holds two roles", () => {
    const cpoSide: Party = { ...EMSP, role: "CPO" };
    const op = facts(locations, "RECEIVER", "PUT", "/DE/EMS/L1", undefined).op;
    const h = headers({ fromCountryCode: "DE", fromPartyId: "EMS" });
    expect(readRouting(h, [EMSP, cpoSide], HUB, senderRule(op)).from).toBe(cpoSide);
  });

  it.each([
    [
      locations,
      "RECEIVER",
      "PUT",
      "/DE/EMS/L1",
      "DE/EMS is an EMSP; only CPO or NAP may push locations (RECEIVER PUT)",
    ],
    [tokens, "SENDER", "GET", "", "DE/EMS is an EMSP; only CPO may read tokens (SENDER GET)"],
    [
      commands,
      "SENDER",
      "POST",
      "/abc",
      "DE/EMS is an EMSP; only CPO may send commands (SENDER POST)",
    ],
  ] as const)(
    "refuses a sender without the role with 2000 naming the rule (%#)",
    (module, iface, method, path, message) => {
      const op = facts(module, iface, method, path, undefined).op;
      const h = headers({ fromCountryCode: "DE", fromPartyId: "EMS" });
      let error: unknown;
      try {
        readRouting(h, [EMSP], HUB, senderRule(op));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(OcpiError);
      expect((error as OcpiError).statusCode).toBe(2000);
      expect((error as OcpiError).message).toBe(message);
    },
  );

  it("passes another party on as received", () => {
    expect(readRouting(headers({ toCountryCode: "de", toPartyId: "Ems" }), [CPO], HUB).to).toEqual({
      countryCode: "de",
      partyId: "Ems",
    });
  });
});
