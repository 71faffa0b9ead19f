import { z } from "zod";
import {
  BusinessDetailsSchema,
  ConnectorFormat,
  CountryAlpha3,
  DisplayTextSchema,
  EnergySourceSchema,
  EnvironmentalImpactCategory,
  EvseStatus,
  ImageSchema,
  Int,
  List,
  NonEmptyList,
  Num,
  StatusScheduleSchema,
} from "../../../ocpi/schemas/common.js";
import { ParkingRestriction } from "../../../ocpi/schemas/locations.js";
import { CiString, DateTime, Str, Url } from "../../../ocpi/schemas/primitives.js";
import {
  AdditionalGeoLocation211Schema,
  GeoLocation211Schema,
  Hours211Schema,
} from "./primitives.js";

/**
 * OCPI 2.1.1 Locations module objects (mod_locations.md § 3 and 4). Classes
 * and enums identical in 2.2.1 are 2.2.1's schemas; these are the ones that
 * differ.
 */

/** locations 2.1.1: LocationType enum (2.2.1's ParkingType lost OTHER and UNKNOWN). */
export const LocationType = z.enum([
  "ON_STREET",
  "PARKING_GARAGE",
  "UNDERGROUND_GARAGE",
  "PARKING_LOT",
  "OTHER",
  "UNKNOWN",
]);
export type LocationType = z.infer<typeof LocationType>;

/** locations 2.1.1: Capability enum. */
export const Capability211 = z.enum([
  "CHARGING_PROFILE_CAPABLE",
  "CREDIT_CARD_PAYABLE",
  "REMOTE_START_STOP_CAPABLE",
  "RESERVABLE",
  "RFID_READER",
  "UNLOCK_CAPABLE",
]);

/** locations 2.1.1: Facility enum. */
export const Facility211 = z.enum([
  "HOTEL",
  "RESTAURANT",
  "CAFE",
  "MALL",
  "SUPERMARKET",
  "SPORT",
  "RECREATION_AREA",
  "NATURE",
  "MUSEUM",
  "BUS_STOP",
  "TAXI_STAND",
  "TRAIN_STATION",
  "AIRPORT",
  "CARPOOL_PARKING",
  "FUEL_STATION",
  "WIFI",
]);

/** locations 2.1.1: ConnectorType enum. */
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

/** locations 2.1.1: PowerType enum (no two-phase values). */
export const PowerType211 = z.enum(["AC_1_PHASE", "AC_3_PHASE", "DC"]);

/** locations 2.1.1: EnvironmentalImpact class — its category is called `source` (2.2 renamed it). */
export const EnvironmentalImpact211Schema = z.looseObject({
  source: EnvironmentalImpactCategory,
  amount: Num,
});

/** locations 2.1.1: EnergyMix class (also used by tariffs). */
export const EnergyMix211Schema = z.looseObject({
  is_green_energy: z.boolean(),
  energy_sources: List(EnergySourceSchema),
  environ_impact: List(EnvironmentalImpact211Schema),
  supplier_name: Str(64).nullish(),
  energy_product_name: Str(64).nullish(),
});
export type EnergyMix211 = z.infer<typeof EnergyMix211Schema>;

/** locations 2.1.1: Connector object. */
export const Connector211Schema = z.looseObject({
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
export type Connector211 = z.infer<typeof Connector211Schema>;

/** locations 2.1.1: EVSE object. */
export const Evse211Schema = z.looseObject({
  uid: CiString(39),
  evse_id: CiString(48).nullish(),
  status: EvseStatus,
  status_schedule: List(StatusScheduleSchema),
  capabilities: List(Capability211),
  connectors: NonEmptyList(Connector211Schema),
  floor_level: Str(4).nullish(),
  coordinates: GeoLocation211Schema.nullish(),
  physical_reference: Str(16).nullish(),
  directions: List(DisplayTextSchema),
  parking_restrictions: List(ParkingRestriction),
  images: List(ImageSchema),
  last_updated: DateTime,
});
export type Evse211 = z.infer<typeof Evse211Schema>;

/** locations 2.1.1: Location object. */
export const Location211Schema = z.looseObject({
  id: CiString(39),
  type: LocationType,
  name: Str(255).nullish(),
  address: Str(45),
  city: Str(45),
  postal_code: Str(10),
  country: CountryAlpha3,
  coordinates: GeoLocation211Schema,
  related_locations: List(AdditionalGeoLocation211Schema),
  evses: List(Evse211Schema),
  directions: List(DisplayTextSchema),
  operator: BusinessDetailsSchema.nullish(),
  suboperator: BusinessDetailsSchema.nullish(),
  owner: BusinessDetailsSchema.nullish(),
  facilities: List(Facility211),
  time_zone: Str(255).nullish(),
  opening_times: Hours211Schema.nullish(),
  charging_when_closed: z.boolean().nullish(),
  images: List(ImageSchema),
  energy_mix: EnergyMix211Schema.nullish(),
  last_updated: DateTime,
});
export type Location211 = z.infer<typeof Location211Schema>;

/**
 * locations 2.1.1: PATCH bodies — any fields of the object. Unlike 2.2.1,
 * 2.1.1 does not require `last_updated` in a PATCH (its own examples carry none).
 */
export const LocationPatch211Schema = Location211Schema.partial();
export type LocationPatch211 = z.infer<typeof LocationPatch211Schema>;
export const EvsePatch211Schema = Evse211Schema.partial();
export type EvsePatch211 = z.infer<typeof EvsePatch211Schema>;
export const ConnectorPatch211Schema = Connector211Schema.partial();
export type ConnectorPatch211 = z.infer<typeof ConnectorPatch211Schema>;
