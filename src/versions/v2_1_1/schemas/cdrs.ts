import { z } from "zod";
import { Currency, List, NonEmptyList, Num } from "../../../ocpi/schemas/common.js";
import { CiString, DateTime, Str } from "../../../ocpi/schemas/primitives.js";
import { Location211Schema } from "./locations.js";
import { Tariff211Schema } from "./tariffs.js";

/** 2.1.1 mod_cdrs: AuthMethod enum (2.2.1 adds COMMAND). */
export const AuthMethod211 = z.enum(["AUTH_REQUEST", "WHITELIST"]);
export type AuthMethod211 = z.infer<typeof AuthMethod211>;

/** 2.1.1 mod_cdrs: CdrDimensionType enum (FLAT is 2.1.1 only). */
export const CdrDimensionType211 = z.enum([
  "ENERGY",
  "FLAT",
  "MAX_CURRENT",
  "MIN_CURRENT",
  "PARKING_TIME",
  "TIME",
]);
export type CdrDimensionType211 = z.infer<typeof CdrDimensionType211>;

/** 2.1.1 mod_cdrs: CdrDimension class. */
export const CdrDimension211Schema = z.looseObject({
  type: CdrDimensionType211,
  volume: Num,
});

/** 2.1.1 mod_cdrs: ChargingPeriod class (also used by sessions); no tariff_id in 2.1.1. */
export const ChargingPeriod211Schema = z.looseObject({
  start_date_time: DateTime,
  dimensions: NonEmptyList(CdrDimension211Schema),
});
export type ChargingPeriod211 = z.infer<typeof ChargingPeriod211Schema>;

/** 2.1.1 mod_cdrs: CDR object. */
export const Cdr211Schema = z.looseObject({
  id: CiString(36),
  start_date_time: DateTime,
  stop_date_time: DateTime,
  auth_id: CiString(36),
  auth_method: AuthMethod211,
  /** The location "including only the relevant EVSE and Connector". */
  location: Location211Schema,
  meter_id: Str(255).nullish(),
  currency: Currency,
  tariffs: List(Tariff211Schema),
  charging_periods: NonEmptyList(ChargingPeriod211Schema),
  total_cost: Num,
  total_energy: Num,
  total_time: Num,
  total_parking_time: Num.nullish(),
  remark: Str(255).nullish(),
  last_updated: DateTime,
});
export type Cdr211 = z.infer<typeof Cdr211Schema>;
