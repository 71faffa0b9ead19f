import { OCPI_2_1_1 } from "./version.js";

/** Header names of OCPI 2.2.1 (transport_and_format). Node lower-cases incoming names. */
export const Header = {
  authorization: "authorization",
  requestId: "x-request-id",
  correlationId: "x-correlation-id",
  totalCount: "x-total-count",
  limit: "x-limit",
  link: "link",
  toCountryCode: "ocpi-to-country-code",
  toPartyId: "ocpi-to-party-id",
  fromCountryCode: "ocpi-from-country-code",
  fromPartyId: "ocpi-from-party-id",
  via: "via",
} as const;

/** Spelling used on outgoing requests and responses (header names are case-insensitive). */
export const OutHeader = {
  requestId: "X-Request-ID",
  correlationId: "X-Correlation-ID",
  totalCount: "X-Total-Count",
  limit: "X-Limit",
  link: "Link",
} as const;

/** The four routing headers as the hub writes them (transport_and_format: Message Routing Headers). */
export const RoutingHeader = {
  toCountryCode: "OCPI-to-country-code",
  toPartyId: "OCPI-to-party-id",
  fromCountryCode: "OCPI-from-country-code",
  fromPartyId: "OCPI-from-party-id",
} as const;

/** The one builder of a routing header pair: who a message is for and who it is from. */
export function routingHeaders(
  to: { countryCode: string; partyId: string },
  from: { countryCode: string; partyId: string },
): Record<string, string> {
  return {
    [RoutingHeader.toCountryCode]: to.countryCode,
    [RoutingHeader.toPartyId]: to.partyId,
    [RoutingHeader.fromCountryCode]: from.countryCode,
    [RoutingHeader.fromPartyId]: from.partyId,
  };
}

/**
 * The routing headers of a request to a platform registered over `version`:
 * none for 2.1.1, which has no routing headers (2.1.1 transport_and_format:
 * a connection joins one party to one party).
 */
export function routingHeadersTo(
  version: string | null,
  to: { countryCode: string; partyId: string },
  from: { countryCode: string; partyId: string },
): Record<string, string> {
  return version === OCPI_2_1_1 ? {} : routingHeaders(to, from);
}
