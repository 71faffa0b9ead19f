import { z } from "zod";
import { AuthMethod, CdrTokenSchema, ChargingPeriodSchema } from "./cdrs.js";
import { Currency, List, Num, PriceSchema, ProfileType } from "./common.js";
import { CiString, CountryCode, DateTime, PartyId, Str } from "./primitives.js";

export { AuthMethod, CdrTokenSchema, ChargingPeriodSchema } from "./cdrs.js";
export { ProfileType } from "./common.js";

/** sessions: SessionStatus enum. */
export const SessionStatus = z.enum(["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** sessions: ChargingPreferencesResponse enum, the data of PUT charging_preferences. */
export const ChargingPreferencesResponse = z.enum([
  "ACCEPTED",
  "DEPARTURE_REQUIRED",
  "ENERGY_NEED_REQUIRED",
  "NOT_POSSIBLE",
  "PROFILE_TYPE_NOT_SUPPORTED",
]);
export type ChargingPreferencesResponse = z.infer<typeof ChargingPreferencesResponse>;

/** sessions: Session object. */
export const SessionSchema = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  start_date_time: DateTime,
  end_date_time: DateTime.nullish(),
  kwh: Num,
  cdr_token: CdrTokenSchema,
  auth_method: AuthMethod,
  authorization_reference: CiString(36).nullish(),
  location_id: CiString(36),
  evse_uid: CiString(36),
  connector_id: CiString(36),
  meter_id: Str(255).nullish(),
  currency: Currency,
  charging_periods: List(ChargingPeriodSchema),
  total_cost: PriceSchema.nullish(),
  status: SessionStatus,
  last_updated: DateTime,
});
export type Session = z.infer<typeof SessionSchema>;

/** sessions: PATCH body on a Session — any Session fields, `last_updated` required. */
export const SessionPatchSchema = SessionSchema.partial().extend({ last_updated: DateTime });
export type SessionPatch = z.infer<typeof SessionPatchSchema>;

/** sessions: ChargingPreferences object, the body of PUT charging_preferences. */
export const ChargingPreferencesSchema = z.looseObject({
  profile_type: ProfileType,
  departure_time: DateTime.nullish(),
  energy_need: Num.nullish(),
  discharge_allowed: z.boolean().nullish(),
});
export type ChargingPreferences = z.infer<typeof ChargingPreferencesSchema>;
