import { z } from "zod";
import { ConnectorFormat, Int, List, NonEmptyList } from "../../../ocpi/schemas/common.js";
import { CiString, DateTime, Str, Url } from "../../../ocpi/schemas/primitives.js";
import { TOLERANCE, tolerated } from "../../../ocpi/tolerance.js";

/**
 * The OCPI 2.1.1 Location a Session or CDR carries ("including only the
 * relevant EVSE and connector"). Only the fields the Session and CDR
 * translations read are checked here, the rest pass as they are: the full
 * 2.1.1 Location schema belongs to the Locations module, and a Session or
 * CDR should not be refused for a flaw in a location field it does not use.
 */

/** 2.1.1 mod_locations: LocationType enum. */
export const LocationType211 = z.enum([
  "ON_STREET",
  "PARKING_GARAGE",
  "UNDERGROUND_GARAGE",
  "PARKING_LOT",
  "OTHER",
  "UNKNOWN",
]);
export type LocationType211 = z.infer<typeof LocationType211>;

/** 2.1.1 mod_locations: Status enum (of an EVSE); the same values as 2.2.1. */
export const EvseStatus211 = z.enum([
  "AVAILABLE",
  "BLOCKED",
  "CHARGING",
  "INOPERATIVE",
  "OUTOFORDER",
  "PLANNED",
  "REMOVED",
  "RESERVED",
  "UNKNOWN",
]);

/** 2.1.1 mod_locations: ConnectorType enum, a subset of 2.2.1's. */
export const ConnectorType211 = z.enum([
  "CHADEMO",
  "DOMESTIC_A",
  "DOMESTIC_B",
  "DOMESTIC_C",
  "DOMESTIC_D",
  "DOMESTIC_E",
  "DOMESTIC_F",
  "DOMESTIC_G",
  "DOMESTIC_H",
  "DOMESTIC_I",
  "DOMESTIC_J",
  "DOMESTIC_K",
  "DOMESTIC_L",
  "IEC_60309_2_single_16",
  "IEC_60309_2_three_16",
  "IEC_60309_2_three_32",
  "IEC_60309_2_three_64",
  "IEC_62196_T1",
  "IEC_62196_T1_COMBO",
  "IEC_62196_T2",
  "IEC_62196_T2_COMBO",
  "IEC_62196_T3A",
  "IEC_62196_T3C",
  "TESLA_R",
  "TESLA_S",
]);

/** 2.1.1 mod_locations: PowerType enum, a subset of 2.2.1's. */
export const PowerType211 = z.enum(["AC_1_PHASE", "AC_3_PHASE", "DC"]);

/**
 * Decimal degrees of up to 7 decimals within ±`bound`: what the tolerance
 * rule coordinate-precision accepts besides 2.1.1's six decimals.
 */
function degrees(digits: number, bound: number) {
  const form = new RegExp(`^-?[0-9]{1,${digits}}(\\.[0-9]{1,7})?$`);
  return (value: string) => form.test(value) && Math.abs(Number(value)) <= bound;
}

/**
 * 2.1.1 mod_locations: GeoLocation — exactly six decimals (2.2.1 allows 5
 * to 7); another precision is the tolerance rule coordinate-precision, as
 * for 2.2.1.
 */
export const GeoLocation211Schema = z.looseObject({
  latitude: tolerated(
    Str(10).regex(
      /^-?[0-9]{1,2}\.[0-9]{6}$/,
      "must be decimal degrees with six decimals such as 50.770774",
    ),
    TOLERANCE.coordinatePrecision,
    degrees(2, 90),
  ),
  longitude: tolerated(
    Str(11).regex(
      /^-?[0-9]{1,3}\.[0-9]{6}$/,
      "must be decimal degrees with six decimals such as -126.104965",
    ),
    TOLERANCE.coordinatePrecision,
    degrees(3, 180),
  ),
});

/** 2.1.1 mod_locations: Connector object. */
export const ChargedConnector211Schema = z.looseObject({
  id: CiString(36),
  standard: ConnectorType211,
  format: ConnectorFormat,
  power_type: PowerType211,
  voltage: Int,
  amperage: Int,
  tariff_id: CiString(36).nullish(),
  terms_and_conditions: Url.nullish(),
  last_updated: DateTime,
});
export type ChargedConnector211 = z.infer<typeof ChargedConnector211Schema>;

/** 2.1.1 mod_locations: EVSE object (the fields a Session or CDR uses). */
export const ChargedEvse211Schema = z.looseObject({
  uid: CiString(39),
  evse_id: CiString(48).nullish(),
  status: EvseStatus211,
  connectors: NonEmptyList(ChargedConnector211Schema),
  floor_level: Str(4).nullish(),
  physical_reference: Str(16).nullish(),
  last_updated: DateTime,
});
export type ChargedEvse211 = z.infer<typeof ChargedEvse211Schema>;

/** 2.1.1 mod_locations: Location object as a Session or CDR carries it. */
export const ChargedLocation211Schema = z.looseObject({
  id: CiString(39),
  type: LocationType211,
  name: Str(255).nullish(),
  address: Str(45),
  city: Str(45),
  postal_code: Str(10),
  country: Str(3).regex(/^[A-Z]{3}$/, "must be three upper-case letters (ISO 3166-1 alpha-3)"),
  coordinates: GeoLocation211Schema,
  evses: List(ChargedEvse211Schema),
  time_zone: Str(255).nullish(),
  last_updated: DateTime,
});
export type ChargedLocation211 = z.infer<typeof ChargedLocation211Schema>;
