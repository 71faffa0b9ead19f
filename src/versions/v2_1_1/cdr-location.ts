import type { z } from "zod";
import type { PartyRef } from "../../ocpi/parties.js";
import type { CdrLocationSchema } from "../../ocpi/schemas/cdrs.js";
import type { Location } from "../../ocpi/schemas/locations.js";
import { locationToV211 } from "./locations.js";
import { refusal, within } from "./mapping.js";
import type { Connector211, Evse211, Location211 } from "./schemas/locations.js";
import type { Loss, TranslationContext } from "./translation.js";

/**
 * The location of a Session or CDR between the versions. 2.1.1 carries a
 * Location object "including only the relevant EVSE and connector"; 2.2.1
 * names them by id (Session) or as a CdrLocation (CDR). Going to 2.1.1 the
 * Location is the hub's 2.2.1 copy of it reduced to that EVSE and
 * connector, through the Locations translation (locations.ts).
 */

export type CdrLocation = z.infer<typeof CdrLocationSchema>;

/** The 2.2.1 id limit; 2.1.1's location id and EVSE uid may be three characters longer. */
const MAX_ID_221 = 36;

/** The EVSE and connector a 2.1.1 Session or CDR names: the first of each. */
export interface ChargedAt211 {
  location: Location211;
  evse: Evse211;
  connector: Connector211;
}

/** The 2.2.1 fields that need the EVSE and the connector, named when either is missing. */
export interface ChargedFields {
  what: string;
  evse: string;
  connector: string;
}

/**
 * The charged EVSE and connector of a 2.1.1 location: the first of each
 * (2.1.1: "only the relevant"); each further one is a Loss, none is refused.
 */
export function chargedAt(
  location: Location211,
  losses: Loss[],
  fields: ChargedFields,
): ChargedAt211 {
  const evses = location.evses ?? [];
  const evse = evses[0];
  if (evse === undefined)
    throw refusal(fields.what, fields.evse, "the 2.1.1 location lists no EVSE");
  for (let i = 1; i < evses.length; i++)
    losses.push({
      field: `location.evses[${i}]`,
      reason: "OCPI 2.2.1 names one EVSE; the first is kept",
    });
  const [connector, ...others] = evse.connectors;
  if (connector === undefined)
    throw refusal(fields.what, fields.connector, "the 2.1.1 EVSE lists no connector");
  others.forEach((_, i) => {
    losses.push({
      field: `location.evses[0].connectors[${i + 1}]`,
      reason: "OCPI 2.2.1 names one connector; the first is kept",
    });
  });
  return { location, evse, connector };
}

/** The ids a 2.2.1 Session names, from the 2.1.1 location. */
export function idsFrom211(at: ChargedAt211, what: string) {
  return {
    location_id: within(at.location.id, MAX_ID_221, what, "location_id"),
    evse_uid: within(at.evse.uid, MAX_ID_221, what, "evse_uid"),
    connector_id: at.connector.id,
  };
}

/** The fields of a 2.1.1 location, EVSE and connector that a CdrLocation keeps. */
const KEPT = {
  location: ["id", "name", "address", "city", "postal_code", "country", "coordinates", "evses"],
  evse: ["uid", "evse_id", "connectors"],
  connector: ["id", "standard", "format", "power_type"],
};

function unkept(value: object, kept: string[], path: string, losses: Loss[]): void {
  for (const [key, field] of Object.entries(value)) {
    if (kept.includes(key) || field === undefined || field === null) continue;
    if (Array.isArray(field) && field.length === 0) continue;
    losses.push({ field: `${path}.${key}`, reason: "no CdrLocation field" });
  }
}

/** A 2.2.1 CdrLocation from a 2.1.1 CDR's location; each field it has no place for is a Loss. */
export function cdrLocationFrom211(at: ChargedAt211, what: string, losses: Loss[]): CdrLocation {
  const { location, evse, connector } = at;
  unkept(location, KEPT.location, "location", losses);
  unkept(evse, KEPT.evse, "location.evses[0]", losses);
  unkept(connector, KEPT.connector, "location.evses[0].connectors[0]", losses);
  if (evse.evse_id == null)
    throw refusal(
      what,
      "cdr_location.evse_id",
      "required by OCPI 2.2.1 and the 2.1.1 EVSE has none",
    );
  const where: CdrLocation = {
    id: within(location.id, MAX_ID_221, what, "cdr_location.id"),
    address: location.address,
    city: location.city,
    postal_code: location.postal_code,
    country: location.country,
    coordinates: {
      latitude: location.coordinates.latitude,
      longitude: location.coordinates.longitude,
    },
    evse_uid: within(evse.uid, MAX_ID_221, what, "cdr_location.evse_uid"),
    evse_id: evse.evse_id,
    connector_id: connector.id,
    connector_standard: connector.standard,
    connector_format: connector.format,
    connector_power_type: connector.power_type,
  };
  return location.name == null ? where : { ...where, name: location.name };
}

/** Where a 2.2.1 Session or CDR charged: the CPO, the ids, and the 2.2.1 fields holding them. */
export interface ChargedAt221 {
  owner: PartyRef;
  locationId: string;
  evseUid: string;
  connectorId: string;
  /** The object and 2.2.1 field named when the hub does not know the location, EVSE or connector. */
  fields: { what: string; location: string; evse: string; connector: string };
}

/**
 * The 2.1.1 Location of a Session or CDR: the hub's 2.2.1 copy
 * (ctx.findLocation) reduced to the EVSE and connector, through the
 * Locations translation. Refused naming the 2.2.1 field when the hub does
 * not know the location, EVSE or connector, and where the Locations
 * translation refuses (a standard, power type or postal code 2.1.1 cannot
 * carry). Not a publication: the Session goes only to the eMSP whose
 * driver charged there, so publish and publish_allowed_to do not apply.
 * What the location loses is the Locations module's to report, not the
 * Session's.
 */
export async function location211For(
  at: ChargedAt221,
  ctx: TranslationContext,
): Promise<Location211> {
  const { fields } = at;
  const found = (await ctx.findLocation?.(at.owner, at.locationId)) as Location | undefined;
  if (found === undefined)
    throw refusal(
      fields.what,
      fields.location,
      `the hub holds no location ${at.locationId} of this CPO`,
    );
  const evse = (found.evses ?? []).find((e) => e.uid === at.evseUid);
  if (evse === undefined)
    throw refusal(fields.what, fields.evse, `location ${at.locationId} has no EVSE ${at.evseUid}`);
  const connector = evse.connectors.find((c) => c.id === at.connectorId);
  if (connector === undefined)
    throw refusal(
      fields.what,
      fields.connector,
      `EVSE ${at.evseUid} has no connector ${at.connectorId}`,
    );
  const reduced: Location = {
    ...found,
    publish: true,
    publish_allowed_to: undefined,
    evses: [{ ...evse, connectors: [connector] }],
  };
  return locationToV211(reduced).value;
}
