import { z } from "zod";
import { TOLERANCE, tolerated } from "../tolerance.js";

/** A calendar date and a time of day to the second, the part every DateTime form shares. */
const DATE_AND_TIME =
  "\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?";

/**
 * types: DateTime — RFC 3339 in UTC, `Z` optional, fractions of a second
 * allowed. Kept a string (validate, don't transform).
 */
export const DATE_TIME = new RegExp(`^${DATE_AND_TIME}Z?$`);

/** The same instant with the offset `+00:00` (tolerance rule utc-offset). */
const DATE_TIME_UTC_OFFSET = new RegExp(`^${DATE_AND_TIME}\\+00:00$`);

/** types: DateTime; `+00:00` for `Z` is tolerated (TOLERANCE.utcOffset). */
export const DateTime = tolerated(
  z.string().regex(DATE_TIME, "must be an RFC 3339 UTC date-time such as 2015-06-29T20:39:09Z"),
  TOLERANCE.utcOffset,
  (value) => DATE_TIME_UTC_OFFSET.test(value),
);

/**
 * The instant an OCPI DateTime stands for. A value without `Z` (or the
 * tolerated `+00:00`) is UTC too (types: DateTime), never the server's
 * local time.
 */
export function parseDateTime(value: string): Date {
  return new Date(/(z|[+-]\d\d:\d\d)$/i.test(value) ? value : `${value}Z`);
}

/** types: CiString(n) — printable ASCII, compared case-insensitively. */
export const CiString = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[\x20-\x7e]*$/, "must be printable ASCII");

/** types: string(n) — UTF-8 text of at most n characters. */
export const Str = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** types: URL — an absolute URL (string(255)). */
export const Url = z
  .string()
  .max(255, "must be at most 255 characters")
  .refine((value) => URL.canParse(value), "must be an absolute URL");

/** credentials: CredentialsRole country_code — ISO 3166-1 alpha-2. */
export const CountryCode = CiString(2).regex(
  /^[A-Za-z]{2}$/,
  "must be two letters (ISO 3166-1 alpha-2)",
);

/** credentials: CredentialsRole party_id — ISO 15118 eMI3 party id, three characters. */
export const PartyId = CiString(3).regex(/^[A-Za-z0-9]{3}$/, "must be three letters or digits");

/** types: Role. */
export const Role = z.enum(["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"]);
export type Role = z.infer<typeof Role>;
