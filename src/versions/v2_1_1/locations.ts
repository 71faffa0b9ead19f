import type { Location, LocationPatch } from "../../ocpi/schemas/locations.js";
import { evseFieldsToV211, evseFieldsToV221 } from "./evses.js";
import {
  defined,
  geoListTo211,
  geoTo211,
  given,
  type Json,
  keepKnown,
  refusal,
  renameImpactCategory,
  withLastUpdated,
} from "./mapping.js";
import {
  Facility211,
  type Location211,
  type LocationPatch211,
  type LocationType,
} from "./schemas/locations.js";
import { timeZoneAt } from "./time-zone.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * Location, OCPI 2.1.1 ⇄ 2.2.1, as docs/ocpi-2.1.1/locations.md lists
 * field by field; its EVSEs and Connectors map as in evses.ts. One mapping
 * of the fields per direction serves the full object and its PATCH body.
 */

const TO_221 = "Location for OCPI 2.2.1";
const TO_211 = "Location for OCPI 2.1.1";

/** The 2.2.1 id limit: 2.1.1's may be three characters longer (changelog: Location object). */
const MAX_ID_221 = 36;

/** 2.1.1's address is a string(45), 2.2.1's a string(255). */
const MAX_ADDRESS_211 = 45;

/** locations 2.2.1: ParkingType enum value. */
type ParkingType = NonNullable<Location["parking_type"]>;

/** The parking types both versions have; the rest of each enumeration has no counterpart. */
const SHARED_TYPES = ["ON_STREET", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "PARKING_LOT"] as const;
const isShared = (value: string): value is (typeof SHARED_TYPES)[number] =>
  (SHARED_TYPES as readonly string[]).includes(value);

/**
 * 2.1.1 `type` → 2.2.1 `parking_type`. UNKNOWN means what an absent
 * parking_type means (2.2 removed it for that reason); OTHER says "none of
 * these", which 2.2.1 cannot say: a Loss. Null stands for "none" here.
 */
function parkingTypeOf(type: LocationType, losses: Loss[]): ParkingType | null {
  if (isShared(type)) return type;
  if (type === "OTHER")
    losses.push({ field: "type", reason: "OTHER has no OCPI 2.2.1 parking_type" });
  return null;
}

/** 2.2.1 `parking_type` → 2.1.1 `type`: none is UNKNOWN; ON_DRIVEWAY and ALONG_MOTORWAY are OTHER, a Loss. */
function locationTypeOf(parkingType: ParkingType | null, losses: Loss[]): LocationType {
  if (parkingType === null) return "UNKNOWN";
  if (isShared(parkingType)) return parkingType;
  losses.push({
    field: "parking_type",
    reason: `${parkingType} has no OCPI 2.1.1 type; sent as OTHER`,
  });
  return "OTHER";
}

/** Location fields 2.1.1 → 2.2.1 (time_zone and the 2.2.1-only fields are the callers'). */
function fieldsToV221(src: LocationPatch211, losses: Loss[]): Json {
  const { type, evses, opening_times, energy_mix, ...rest } = src;
  if (src.id !== undefined && src.id.length > MAX_ID_221) {
    throw refusal(TO_221, "id", `longer than the ${MAX_ID_221} characters of OCPI 2.2.1`);
  }
  return defined({
    ...rest,
    parking_type: type === undefined ? undefined : parkingTypeOf(type, losses),
    evses: evses?.map((evse, i) => evseFieldsToV221(evse, `evses[${i}]`, TO_221)),
    opening_times: given(opening_times)
      ? { ...opening_times, twentyfourseven: opening_times.twentyfourseven ?? false }
      : opening_times,
    energy_mix: renameImpactCategory(energy_mix, "source", "category"),
  });
}

/**
 * Location fields 2.2.1 → 2.1.1. country_code and party_id travel in the
 * URL of a 2.1.1 push. A location that is not to be published is refused:
 * 2.1.1 cannot limit who sees a location, so its receiver would show it to
 * every driver.
 */
function fieldsToV211(src: LocationPatch, losses: Loss[]): Json {
  const { country_code, party_id, publish, publish_allowed_to, state, parking_type, ...rest } = src;
  const { address, coordinates, related_locations, evses, facilities, energy_mix } = rest;
  if (publish === false) {
    throw refusal(
      TO_211,
      "publish",
      "false, and OCPI 2.1.1 receivers show every location to all drivers",
    );
  }
  if (given(publish_allowed_to) && publish_allowed_to.length > 0) {
    throw refusal(TO_211, "publish_allowed_to", "OCPI 2.1.1 cannot limit who sees a location");
  }
  if (given(state)) losses.push({ field: "state", reason: "no OCPI 2.1.1 equivalent" });
  if (given(address) && address.length > MAX_ADDRESS_211) {
    losses.push({
      field: "address",
      reason: `cut to the ${MAX_ADDRESS_211} characters of OCPI 2.1.1`,
    });
  }
  return defined({
    ...rest,
    type: parking_type === undefined ? undefined : locationTypeOf(parking_type, losses),
    address: given(address) ? address.slice(0, MAX_ADDRESS_211) : address,
    coordinates: given(coordinates) ? geoTo211(coordinates, "coordinates", losses) : coordinates,
    related_locations: geoListTo211(related_locations, "related_locations", losses),
    evses: evses?.map((evse, i) => evseFieldsToV211(evse, `evses[${i}]`, TO_211, losses)),
    facilities: keepKnown(facilities, Facility211.options, "facilities", "2.1.1", losses),
    energy_mix: renameImpactCategory(energy_mix, "category", "source"),
  });
}

/** The 2.1.1 location's own time_zone, or the one of its coordinates; refused when neither exists. */
function timeZoneOf(src: {
  time_zone?: string | null;
  coordinates: { latitude: string; longitude: string };
}): string {
  if (given(src.time_zone)) return src.time_zone;
  const { latitude, longitude } = src.coordinates;
  const zone = timeZoneAt(latitude, longitude);
  if (zone === undefined) {
    throw refusal(
      TO_221,
      "time_zone",
      `required by OCPI 2.2.1, absent, and the coordinates (${latitude}, ${longitude}) lie in no country's time zone`,
    );
  }
  return zone;
}

/**
 * A 2.1.1 Location as 2.2.1: the owner is the 2.1.1 sender's party
 * (ctx.party), publish is true (2.1.1 locations are public), time_zone is
 * derived from the coordinates when the sender gave none.
 */
export function locationToV221(src: Location211, ctx: TranslationContext): Translated<Location> {
  const losses: Loss[] = [];
  const fields = fieldsToV221(src, losses);
  if (fields.parking_type === null) delete fields.parking_type;
  const value = {
    ...fields,
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
    publish: true,
    time_zone: timeZoneOf(src),
  } as Location;
  return { value, losses };
}

/** A 2.2.1 Location as 2.1.1; 2.1.1 requires a postal_code, which 2.2.1 may leave out. */
export function locationToV211(src: Location): Translated<Location211> {
  const losses: Loss[] = [];
  if (!given(src.postal_code)) {
    throw refusal(TO_211, "postal_code", "required by OCPI 2.1.1 and absent");
  }
  const fields = fieldsToV211(src, losses);
  if (fields.type === undefined) fields.type = "UNKNOWN";
  return { value: fields as Location211, losses };
}

/**
 * A 2.1.1 PATCH of a Location as a 2.2.1 PATCH: last_updated is the time
 * received when absent; new coordinates without a time_zone bring the time
 * zone derived from them, so it never stays that of the old place. A
 * time_zone of null is left out: 2.2.1 cannot drop a location's time zone.
 */
export function locationPatchToV221(
  src: LocationPatch211,
  receivedAt: Date,
): Translated<LocationPatch> {
  const losses: Loss[] = [];
  const fields = fieldsToV221(src, losses);
  if (fields.time_zone === null) delete fields.time_zone;
  if (given(src.coordinates) && !given(src.time_zone)) {
    fields.time_zone = timeZoneOf({ coordinates: src.coordinates });
  }
  return { value: withLastUpdated(fields, receivedAt) as LocationPatch, losses };
}

/** A 2.2.1 PATCH of a Location as a 2.1.1 PATCH; publish true is 2.1.1's only state, so it is left out. */
export function locationPatchToV211(src: LocationPatch): Translated<LocationPatch211> {
  const losses: Loss[] = [];
  return { value: fieldsToV211(src, losses) as LocationPatch211, losses };
}
