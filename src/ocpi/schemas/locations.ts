import { z } from "zod";
import {
  AdditionalGeoLocationSchema,
  BusinessDetailsSchema,
  ConnectorFormat,
  ConnectorType,
  CountryAlpha3,
  DisplayTextSchema,
  EnergyMixSchema,
  EvseStatus,
  GeoLocationSchema,
  HoursSchema,
  ImageSchema,
  Int,
  List,
  NonEmptyList,
  PowerType,
  PublishTokenTypeSchema,
  StatusScheduleSchema,
} from "./common.js";
import { CiString, CountryCode, DateTime, PartyId, Str, Url } from "./primitives.js";

export {
  AdditionalGeoLocationSchema,
  BusinessDetailsSchema,
  ConnectorFormat,
  ConnectorType,
  DisplayTextSchema,
  EnergyContractSchema,
  EnergyMixSchema,
  EnergySourceCategory,
  EnergySourceSchema,
  EnvironmentalImpactCategory,
  EnvironmentalImpactSchema,
  EvseStatus,
  ExceptionalPeriodSchema,
  GeoLocationSchema,
  HoursSchema,
  ImageCategory,
  ImageSchema,
  PowerType,
  PublishTokenTypeSchema,
  RegularHoursSchema,
  StatusScheduleSchema,
} from "./common.js";

/** locations: Capability enum. */
export const Capability = z.enum([
  "CHARGING_PROFILE_CAPABLE",
  "CHARGING_PREFERENCES_CAPABLE",
  "CHIP_CARD_SUPPORT",
  "CONTACTLESS_CARD_SUPPORT",
  "CREDIT_CARD_PAYABLE",
  "DEBIT_CARD_PAYABLE",
  "PED_TERMINAL",
  "REMOTE_START_STOP_CAPABLE",
  "RESERVABLE",
  "RFID_READER",
  "START_SESSION_CONNECTOR_REQUIRED",
  "TOKEN_GROUP_CAPABLE",
  "UNLOCK_CAPABLE",
]);

/** locations: Facility enum. */
export const Facility = z.enum([
  "HOTEL",
  "RESTAURANT",
  "CAFE",
  "MALL",
  "SUPERMARKET",
  "SPORT",
  "RECREATION_AREA",
  "NATURE",
  "MUSEUM",
  "BIKE_SHARING",
  "BUS_STOP",
  "TAXI_STAND",
  "TRAM_STOP",
  "METRO_STATION",
  "TRAIN_STATION",
  "AIRPORT",
  "PARKING_LOT",
  "CARPOOL_PARKING",
  "FUEL_STATION",
  "WIFI",
]);

/** locations: ParkingRestriction enum. */
export const ParkingRestriction = z.enum([
  "EV_ONLY",
  "PLUGGED",
  "DISABLED",
  "CUSTOMERS",
  "MOTORCYCLES",
]);

/** locations: ParkingType enum. */
export const ParkingType = z.enum([
  "ALONG_MOTORWAY",
  "PARKING_GARAGE",
  "PARKING_LOT",
  "ON_DRIVEWAY",
  "ON_STREET",
  "UNDERGROUND_GARAGE",
]);

/** locations: Connector object. */
export const ConnectorSchema = z.looseObject({
  id: CiString(36),
  standard: ConnectorType,
  format: ConnectorFormat,
  power_type: PowerType,
  max_voltage: Int,
  max_amperage: Int,
  max_electric_power: Int.nullish(),
  tariff_ids: List(CiString(36)),
  terms_and_conditions: Url.nullish(),
  last_updated: DateTime,
});
export type Connector = z.infer<typeof ConnectorSchema>;

/** locations: EVSE object. */
export const EvseSchema = z.looseObject({
  uid: CiString(36),
  evse_id: CiString(48).nullish(),
  status: EvseStatus,
  status_schedule: List(StatusScheduleSchema),
  capabilities: List(Capability),
  connectors: NonEmptyList(ConnectorSchema),
  floor_level: Str(4).nullish(),
  coordinates: GeoLocationSchema.nullish(),
  physical_reference: Str(16).nullish(),
  directions: List(DisplayTextSchema),
  parking_restrictions: List(ParkingRestriction),
  images: List(ImageSchema),
  last_updated: DateTime,
});
export type Evse = z.infer<typeof EvseSchema>;

const LocationObject = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  publish: z.boolean(),
  publish_allowed_to: List(PublishTokenTypeSchema),
  name: Str(255).nullish(),
  address: Str(255),
  city: Str(45),
  postal_code: Str(10).nullish(),
  state: Str(45).nullish(),
  country: CountryAlpha3,
  coordinates: GeoLocationSchema,
  related_locations: List(AdditionalGeoLocationSchema),
  parking_type: ParkingType.nullish(),
  evses: List(EvseSchema),
  directions: List(DisplayTextSchema),
  operator: BusinessDetailsSchema.nullish(),
  suboperator: BusinessDetailsSchema.nullish(),
  owner: BusinessDetailsSchema.nullish(),
  facilities: List(Facility),
  time_zone: Str(255),
  opening_times: HoursSchema.nullish(),
  charging_when_closed: z.boolean().nullish(),
  images: List(ImageSchema),
  energy_mix: EnergyMixSchema.nullish(),
  last_updated: DateTime,
});

/** locations: Location object — `publish_allowed_to` "may only be used" when `publish` is false. */
function publishAllowedToOnlyWhenPrivate(location: {
  publish?: boolean | undefined;
  publish_allowed_to?: unknown[] | null | undefined;
}): boolean {
  return location.publish !== true || (location.publish_allowed_to ?? []).length === 0;
}
const PUBLISH_ALLOWED_TO_ISSUE = {
  path: ["publish_allowed_to"],
  message: "may only be used when publish is false",
};

/** locations: Location object. */
export const LocationSchema = LocationObject.refine(
  publishAllowedToOnlyWhenPrivate,
  PUBLISH_ALLOWED_TO_ISSUE,
);
export type Location = z.infer<typeof LocationSchema>;

/** locations: PATCH body on a Location — any Location fields, `last_updated` required. */
export const LocationPatchSchema = LocationObject.partial()
  .extend({ last_updated: DateTime })
  .refine(publishAllowedToOnlyWhenPrivate, PUBLISH_ALLOWED_TO_ISSUE);
export type LocationPatch = z.infer<typeof LocationPatchSchema>;

/** locations: PATCH body on an EVSE — any EVSE fields, `last_updated` required. */
export const EvsePatchSchema = EvseSchema.partial().extend({ last_updated: DateTime });
export type EvsePatch = z.infer<typeof EvsePatchSchema>;

/** locations: PATCH body on a Connector — any Connector fields, `last_updated` required. */
export const ConnectorPatchSchema = ConnectorSchema.partial().extend({ last_updated: DateTime });
export type ConnectorPatch = z.infer<typeof ConnectorPatchSchema>;
