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
} as const;

/** Spelling used on outgoing requests and responses (header names are case-insensitive). */
export const OutHeader = {
  requestId: "X-Request-ID",
  correlationId: "X-Correlation-ID",
  totalCount: "X-Total-Count",
  limit: "X-Limit",
  link: "Link",
} as const;
