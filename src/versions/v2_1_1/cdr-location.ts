import type { z } from "zod";
import type { PartyRef } from "../../ocpi/parties.js";
import type { CdrLocationSchema } from "../../ocpi/schemas/cdrs.js";
import type { Connector, Evse, Location } from "../../ocpi/schemas/locations.js";
import { present, refuse, within } from "./fields.js";
import {
  type ChargedConnector211,
  type ChargedEvse211,
  type ChargedLocation211,
  ConnectorType211,
  type LocationType211,
  PowerType211,
} from "./schemas/cdr-location.js";
import type { Loss, TranslationContext } from "./translation.js";

export type CdrLocation = z.infer<typeof CdrLocationSchema>;

/**
 * The location of a Session or CDR between the versions. 2.1.1 carries a
 * Location object reduced to the EVSE and connector charged at; 2.2.1
 * names them by id (Session) or as a CdrLocation (CDR). Going to 2.1.1 the
 * Location is built from the hub's 2.2.1 copy of it, in the minimal 2.1.1
 * form below; the Locations module's own translation carries a location in
 * full, this one carries what a Session or CDR receiver needs.
 */

/** The EVSE and connector a 2.1.1 Session or CDR names: the first of each (2.1.1: "only the relevant"). */
export interface ChargedAt211 {
  location: ChargedLocation211;
  evse: ChargedEvse211;
  connector: ChargedConnector211;
}

/**
 * The charged EVSE and connector of a 2.1.1 location; more than one of
 * either is a loss, none is refused naming `evseField` or `connectorField`
 * (the 2.2.1 field that needs it).
 */
export function chargedAt(
  location: ChargedLocation211,
  losses: Loss[],
  evseField: string,
  connectorField: string,
): ChargedAt211 {
  const evses = location.evses ?? [];
  const evse = evses[0];
  if (evse === undefined) refuse(evseField, "the 2.1.1 location lists no EVSE");
  evses.slice(1).forEach((_, i) => {
    losses.push({
      field: `location.evses[${i + 1}]`,
      reason: "2.2.1 names one EVSE; the first is used",
    });
  });
  const [connector, ...others] = evse.connectors;
  if (connector === undefined) refuse(connectorField, "the 2.1.1 EVSE lists no connector");
  others.forEach((_, i) => {
    losses.push({
      field: `location.evses[0].connectors[${i + 1}]`,
      reason: "2.2.1 names one connector; the first is used",
    });
  });
  return { location, evse, connector };
}

/** The ids a 2.2.1 Session names, from the 2.1.1 location. */
export function idsFrom211(at: ChargedAt211) {
  return {
    location_id: within(at.location.id, 36, "location_id"),
    evse_uid: within(at.evse.uid, 36, "evse_uid"),
    connector_id: at.connector.id,
  };
}

/** The fields of a 2.1.1 location, EVSE and connector that a CdrLocation keeps. */
const KEPT = {
  location: new Set([
    "id",
    "name",
    "address",
    "city",
    "postal_code",
    "country",
    "coordinates",
    "evses",
  ]),
  evse: new Set(["uid", "evse_id", "connectors"]),
  connector: new Set(["id", "standard", "format", "power_type"]),
};

function unkept(value: object, kept: Set<string>, path: string, losses: Loss[]): void {
  for (const [key, field] of Object.entries(value)) {
    if (kept.has(key) || field === undefined || field === null) continue;
    if (Array.isArray(field) && field.length === 0) continue;
    losses.push({ field: `${path}.${key}`, reason: "no CdrLocation field" });
  }
}

/** A 2.2.1 CdrLocation from a 2.1.1 CDR's location; what it has no field for is a loss. */
export function cdrLocationFrom211(at: ChargedAt211, losses: Loss[]): CdrLocation {
  const { location, evse, connector } = at;
  unkept(location, KEPT.location, "location", losses);
  unkept(evse, KEPT.evse, "location.evses[0]", losses);
  unkept(connector, KEPT.connector, "location.evses[0].connectors[0]", losses);
  if (evse.evse_id == null)
    refuse("cdr_location.evse_id", "the 2.1.1 EVSE has no evse_id, which a CdrLocation requires");
  return present({
    id: within(location.id, 36, "cdr_location.id"),
    name: location.name ?? undefined,
    address: location.address,
    city: location.city,
    postal_code: location.postal_code,
    country: location.country,
    coordinates: {
      latitude: location.coordinates.latitude,
      longitude: location.coordinates.longitude,
    },
    evse_uid: within(evse.uid, 36, "cdr_location.evse_uid"),
    evse_id: evse.evse_id,
    connector_id: connector.id,
    connector_standard: connector.standard,
    connector_format: connector.format,
    connector_power_type: connector.power_type,
  });
}

/** Where a 2.2.1 Session or CDR charged: the CPO, the ids, and the names of the fields holding them. */
export interface ChargedAt221 {
  owner: PartyRef;
  locationId: string;
  evseUid: string;
  connectorId: string;
  /** The 2.2.1 field holding each id, named when it is refused. */
  fields: { location: string; evse: string; connector: string };
}

/** 2.2.1 ParkingType → 2.1.1 LocationType; what has no 2.1.1 value is OTHER. */
const LOCATION_TYPE: Record<string, LocationType211> = {
  ON_STREET: "ON_STREET",
  PARKING_GARAGE: "PARKING_GARAGE",
  UNDERGROUND_GARAGE: "UNDERGROUND_GARAGE",
  PARKING_LOT: "PARKING_LOT",
  ALONG_MOTORWAY: "OTHER",
  ON_DRIVEWAY: "OTHER",
};

/**
 * A 2.1.1 Location reduced to the EVSE and connector charged at, from the
 * hub's 2.2.1 copy (ctx.findLocation). Refused naming the 2.2.1 field when
 * the hub does not know the location, EVSE or connector, or when the
 * connector's standard or power type has no 2.1.1 value.
 */
export async function location211For(
  at: ChargedAt221,
  ctx: TranslationContext,
  losses: Loss[],
): Promise<ChargedLocation211> {
  const found = (await ctx.findLocation?.(at.owner, at.locationId)) as Location | undefined;
  if (found === undefined)
    refuse(
      at.fields.location,
      `the hub holds no location ${at.locationId} of this CPO to describe it in 2.1.1`,
    );
  const evse = (found.evses ?? []).find((e) => e.uid === at.evseUid);
  if (evse === undefined)
    refuse(at.fields.evse, `location ${at.locationId} has no EVSE ${at.evseUid}`);
  const connector = evse.connectors.find((c) => c.id === at.connectorId);
  if (connector === undefined)
    refuse(at.fields.connector, `EVSE ${at.evseUid} has no connector ${at.connectorId}`);
  return present({
    id: found.id,
    type: LOCATION_TYPE[found.parking_type ?? ""] ?? "UNKNOWN",
    name: found.name ?? undefined,
    address: cut(found.address, ADDRESS_211, "location.address", losses),
    city: found.city,
    postal_code: found.postal_code ?? "",
    country: found.country,
    coordinates: { latitude: found.coordinates.latitude, longitude: found.coordinates.longitude },
    evses: [evse211(evse, connector211(connector, at.fields.connector))],
    time_zone: found.time_zone,
    last_updated: found.last_updated,
  });
}

/** 2.1.1's Location.address is a string(45), 2.2.1's a string(255). */
const ADDRESS_211 = 45;

/** A text cut to the 2.1.1 length; the cut is a loss. */
function cut(text: string, max: number, field: string, losses: Loss[]): string {
  if (text.length <= max) return text;
  losses.push({ field, reason: `longer than 2.1.1's ${max} characters; cut` });
  return text.slice(0, max);
}

function evse211(evse: Evse, connector: ChargedConnector211): ChargedEvse211 {
  return present({
    uid: evse.uid,
    evse_id: evse.evse_id ?? undefined,
    status: evse.status,
    connectors: [connector],
    floor_level: evse.floor_level ?? undefined,
    physical_reference: evse.physical_reference ?? undefined,
    last_updated: evse.last_updated,
  });
}

function connector211(connector: Connector, field: string): ChargedConnector211 {
  const standard = ConnectorType211.safeParse(connector.standard);
  if (!standard.success)
    refuse(field, `the connector's standard ${connector.standard} has no 2.1.1 value`);
  const powerType = PowerType211.safeParse(connector.power_type);
  if (!powerType.success)
    refuse(field, `the connector's power_type ${connector.power_type} has no 2.1.1 value`);
  return present({
    id: connector.id,
    standard: standard.data,
    format: connector.format,
    power_type: powerType.data,
    voltage: connector.max_voltage,
    amperage: connector.max_amperage,
    tariff_id: connector.tariff_ids?.[0],
    terms_and_conditions: connector.terms_and_conditions ?? undefined,
    last_updated: connector.last_updated,
  });
}
