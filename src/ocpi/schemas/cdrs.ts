import { z } from "zod";
import {
  ConnectorFormat,
  ConnectorType,
  CountryAlpha3,
  Currency,
  GeoLocationSchema,
  Int,
  List,
  NonEmptyList,
  Num,
  PowerType,
  PriceSchema,
  TokenType,
} from "./common.js";
import { CiString, CountryCode, DateTime, PartyId, Str } from "./primitives.js";
import { TariffSchema } from "./tariffs.js";

/** cdrs: AuthMethod enum. */
export const AuthMethod = z.enum(["AUTH_REQUEST", "COMMAND", "WHITELIST"]);

/** cdrs: CdrDimensionType enum (some values are for Sessions only). */
export const CdrDimensionType = z.enum([
  "CURRENT",
  "ENERGY",
  "ENERGY_EXPORT",
  "ENERGY_IMPORT",
  "MAX_CURRENT",
  "MIN_CURRENT",
  "MAX_POWER",
  "MIN_POWER",
  "PARKING_TIME",
  "POWER",
  "RESERVATION_TIME",
  "STATE_OF_CHARGE",
  "TIME",
]);

/** cdrs: CdrDimension class. */
export const CdrDimensionSchema = z.looseObject({
  type: CdrDimensionType,
  volume: Num,
});

/** cdrs: ChargingPeriod class (also used by sessions). */
export const ChargingPeriodSchema = z.looseObject({
  start_date_time: DateTime,
  dimensions: NonEmptyList(CdrDimensionSchema),
  tariff_id: CiString(36).nullish(),
});
export type ChargingPeriod = z.infer<typeof ChargingPeriodSchema>;

/** cdrs: CdrToken class (also used by sessions). */
export const CdrTokenSchema = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  uid: CiString(36),
  type: TokenType,
  contract_id: CiString(36),
});
export type CdrToken = z.infer<typeof CdrTokenSchema>;

/** cdrs: CdrLocation class. */
export const CdrLocationSchema = z.looseObject({
  id: CiString(36),
  name: Str(255).nullish(),
  address: Str(45),
  city: Str(45),
  postal_code: Str(10).nullish(),
  state: Str(20).nullish(),
  country: CountryAlpha3,
  coordinates: GeoLocationSchema,
  evse_uid: CiString(36),
  evse_id: CiString(48),
  connector_id: CiString(36),
  connector_standard: ConnectorType,
  connector_format: ConnectorFormat,
  connector_power_type: PowerType,
});

/** cdrs: SignedValue class. */
export const SignedValueSchema = z.looseObject({
  nature: CiString(32),
  plain_data: Str(5000),
  signed_data: Str(5000),
});

/** cdrs: SignedData class. */
export const SignedDataSchema = z.looseObject({
  encoding_method: CiString(36),
  encoding_method_version: Int.nullish(),
  public_key: Str(512).nullish(),
  signed_values: NonEmptyList(SignedValueSchema),
  url: Str(512).nullish(),
});

/** cdrs: CDR object. A Credit CDR (`credit: true`) needs `credit_reference_id`. */
export const CdrSchema = z
  .looseObject({
    country_code: CountryCode,
    party_id: PartyId,
    id: CiString(39),
    start_date_time: DateTime,
    end_date_time: DateTime,
    session_id: CiString(36).nullish(),
    cdr_token: CdrTokenSchema,
    auth_method: AuthMethod,
    authorization_reference: CiString(36).nullish(),
    cdr_location: CdrLocationSchema,
    meter_id: Str(255).nullish(),
    currency: Currency,
    tariffs: List(TariffSchema),
    charging_periods: NonEmptyList(ChargingPeriodSchema),
    signed_data: SignedDataSchema.nullish(),
    total_cost: PriceSchema,
    total_fixed_cost: PriceSchema.nullish(),
    total_energy: Num,
    total_energy_cost: PriceSchema.nullish(),
    total_time: Num,
    total_time_cost: PriceSchema.nullish(),
    total_parking_time: Num.nullish(),
    total_parking_cost: PriceSchema.nullish(),
    total_reservation_cost: PriceSchema.nullish(),
    remark: Str(255).nullish(),
    invoice_reference_id: CiString(39).nullish(),
    credit: z.boolean().nullish(),
    credit_reference_id: CiString(39).nullish(),
    home_charging_compensation: z.boolean().nullish(),
    last_updated: DateTime,
  })
  .refine((cdr) => cdr.credit !== true || cdr.credit_reference_id != null, {
    path: ["credit_reference_id"],
    message: "is required for a Credit CDR (credit: true)",
  });
export type Cdr = z.infer<typeof CdrSchema>;
