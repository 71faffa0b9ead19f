import { z } from "zod";
import { Int, List, Num } from "./common.js";
import { DateTime, Url } from "./primitives.js";

/** A charging rate: "accepts at most one digit fraction (e.g. 8.1)" (chargingprofiles). */
const ChargingRate = Num.refine(
  (value) => Math.abs(value * 10 - Math.round(value * 10)) < 1e-6,
  "must have at most one decimal",
);

/** chargingprofiles: ChargingRateUnit enum. */
export const ChargingRateUnit = z.enum(["W", "A"]);

/** chargingprofiles: ChargingProfileResponseType enum. */
export const ChargingProfileResponseType = z.enum([
  "ACCEPTED",
  "NOT_SUPPORTED",
  "REJECTED",
  "TOO_OFTEN",
  "UNKNOWN_SESSION",
]);

/** chargingprofiles: ChargingProfileResultType enum. */
export const ChargingProfileResultType = z.enum(["ACCEPTED", "REJECTED", "UNKNOWN"]);

/** chargingprofiles: ChargingProfilePeriod class. */
export const ChargingProfilePeriodSchema = z.looseObject({
  start_period: Int,
  limit: ChargingRate,
});

/** chargingprofiles: ChargingProfile class. */
export const ChargingProfileSchema = z.looseObject({
  start_date_time: DateTime.nullish(),
  duration: Int.nullish(),
  charging_rate_unit: ChargingRateUnit,
  min_charging_rate: ChargingRate.nullish(),
  charging_profile_period: List(ChargingProfilePeriodSchema),
});
export type ChargingProfile = z.infer<typeof ChargingProfileSchema>;

/** chargingprofiles: ActiveChargingProfile class, also the body of the Sender PUT. */
export const ActiveChargingProfileSchema = z.looseObject({
  start_date_time: DateTime,
  charging_profile: ChargingProfileSchema,
});
export type ActiveChargingProfile = z.infer<typeof ActiveChargingProfileSchema>;

/** chargingprofiles: SetChargingProfile object, the body of the Receiver PUT. */
export const SetChargingProfileSchema = z.looseObject({
  charging_profile: ChargingProfileSchema,
  response_url: Url,
});
export type SetChargingProfile = z.infer<typeof SetChargingProfileSchema>;

/** chargingprofiles: ChargingProfileResponse object, the CPO's immediate answer. */
export const ChargingProfileResponseSchema = z.looseObject({
  result: ChargingProfileResponseType,
  timeout: Int,
});
export type ChargingProfileResponse = z.infer<typeof ChargingProfileResponseSchema>;

/** chargingprofiles: ActiveChargingProfileResult object, POSTed to the `response_url` of a GET. */
export const ActiveChargingProfileResultSchema = z.looseObject({
  result: ChargingProfileResultType,
  profile: ActiveChargingProfileSchema.nullish(),
});
export type ActiveChargingProfileResult = z.infer<typeof ActiveChargingProfileResultSchema>;

/** chargingprofiles: ChargingProfileResult object, POSTed to the `response_url` of a PUT. */
export const ChargingProfileResultSchema = z.looseObject({
  result: ChargingProfileResultType,
});
export type ChargingProfileResult = z.infer<typeof ChargingProfileResultSchema>;

/** chargingprofiles: ClearProfileResult object, POSTed to the `response_url` of a DELETE. */
export const ClearProfileResultSchema = z.looseObject({
  result: ChargingProfileResultType,
});
export type ClearProfileResult = z.infer<typeof ClearProfileResultSchema>;
