import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import {
  hubError,
  invalidParameters,
  receiverNotConnected,
  unknownReceiver,
} from "../ocpi/errors.js";
import { Header } from "../ocpi/headers.js";
import { type PartyRef, partyName, sameParty } from "../ocpi/parties.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
import { type Caller, endpointOf, type Party, type Platform, type Registry } from "../registry/registry.js";
import type { RoutedModule } from "./operations.js";

const COUNTRY = /^[A-Za-z]{2}$/;
const PARTY = /^[A-Za-z0-9]{3}$/;

/** Who a routed request is from and for (transport_and_format: Message Routing Headers). */
export interface Routing {
  /** A party of the calling platform. */
  from: Party;
  /** The addressed party, the hub itself, or nobody (open routing). */
  to: PartyRef | "hub" | undefined;
}

/**
 * Reads the four routing headers. OCPI-from must name a party of the
 * calling platform, so no platform can speak for another; OCPI-to comes as
 * a pair or not at all.
 */
export function readRouting(c: Context<AppEnv>, caller: Caller, hub: PartyRef): Routing {
  const fromCc = c.req.header(Header.fromCountryCode);
  const fromPid = c.req.header(Header.fromPartyId);
  if (fromCc === undefined || fromPid === undefined) {
    throw invalidParameters(
      "OCPI-from-country-code and OCPI-from-party-id are required on routed modules",
    );
  }
  const from = caller.platform.roles.find((r) =>
    sameParty(r, { countryCode: fromCc, partyId: fromPid }),
  );
  if (from === undefined) {
    throw invalidParameters(
      `OCPI-from ${fromCc}/${fromPid} is not a party of the calling platform (${caller.platform.roles
        .map(partyName)
        .join(", ")})`,
    );
  }
  const toCc = c.req.header(Header.toCountryCode);
  const toPid = c.req.header(Header.toPartyId);
  if (toCc === undefined && toPid === undefined) return { from, to: undefined };
  if (toCc === undefined || toPid === undefined) {
    throw invalidParameters(
      `${toCc === undefined ? "OCPI-to-country-code" : "OCPI-to-party-id"} is missing; OCPI-to-country-code and OCPI-to-party-id come together, or neither for open routing`,
    );
  }
  if (!COUNTRY.test(toCc)) {
    throw invalidParameters(`OCPI-to-country-code must be two letters, got "${toCc}"`);
  }
  if (!PARTY.test(toPid)) {
    throw invalidParameters(`OCPI-to-party-id must be three letters or digits, got "${toPid}"`);
  }
  const to = { countryCode: toCc, partyId: toPid };
  return { from, to: sameParty(to, hub) ? "hub" : to };
}

/** The party a request goes to, with the endpoint it goes to. */
export interface Target {
  platform: Platform;
  party: Party;
  endpoint: string;
}

/**
 * The party under `to` that serves this module and interface, on a
 * connected platform. Unknown → 4001; known but not connected → 4003
 * without an attempt (hubclientinfo: Scenarios); connected but without the
 * interface → 4000.
 */
export function findTarget(
  registry: Registry,
  to: PartyRef,
  module: RoutedModule,
  iface: InterfaceRole,
): Target {
  const hosted = registry.partiesAt(to.countryCode, to.partyId);
  if (hosted.length === 0) {
    throw unknownReceiver(`no party ${partyName(to)} is known to this hub`);
  }
  let connected = false;
  for (const { platform, party } of hosted) {
    if (platform.status !== "CONNECTED") continue;
    connected = true;
    const endpoint = endpointOf(platform, module, iface);
    if (endpoint !== undefined) return { platform, party, endpoint };
  }
  if (!connected) {
    const status = hosted[0]?.platform.status ?? "PENDING";
    throw receiverNotConnected(
      `party ${partyName(to)} is not connected to the hub (status ${status})`,
    );
  }
  throw hubError(`party ${partyName(to)} does not implement the ${module} ${iface} interface`);
}
