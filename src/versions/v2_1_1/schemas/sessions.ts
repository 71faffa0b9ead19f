import { z } from "zod";
import { Currency, List, Num } from "../../../ocpi/schemas/common.js";
import { CiString, DateTime, Str } from "../../../ocpi/schemas/primitives.js";
import { AuthMethod211, ChargingPeriod211Schema } from "./cdrs.js";
import { Location211Schema } from "./locations.js";

/** 2.1.1 mod_sessions: SessionStatus enum (2.2.1 adds RESERVATION). */
export const SessionStatus211 = z.enum(["ACTIVE", "COMPLETED", "INVALID", "PENDING"]);
export type SessionStatus211 = z.infer<typeof SessionStatus211>;

/** 2.1.1 mod_sessions: Session object (`start_datetime`, not 2.2.1's `start_date_time`). */
export const Session211Schema = z.looseObject({
  id: CiString(36),
  start_datetime: DateTime,
  end_datetime: DateTime.nullish(),
  kwh: Num,
  auth_id: CiString(36),
  auth_method: AuthMethod211,
  /** The location "including only the relevant EVSE and connector". */
  location: Location211Schema,
  meter_id: Str(255).nullish(),
  currency: Currency,
  charging_periods: List(ChargingPeriod211Schema),
  total_cost: Num.nullish(),
  status: SessionStatus211,
  last_updated: DateTime,
});
export type Session211 = z.infer<typeof Session211Schema>;

/**
 * 2.1.1 mod_sessions: PATCH body — any Session fields. Unlike 2.2.1,
 * 2.1.1 does not require `last_updated` (its own example has none).
 */
export const Session211PatchSchema = Session211Schema.partial();
export type Session211Patch = z.infer<typeof Session211PatchSchema>;
