import { z } from "zod";
import { TOLERANCE, tolerated } from "../tolerance.js";
import { CiString, DateTime, Str } from "./primitives.js";

export { BusinessDetailsSchema, ImageCategory, ImageSchema } from "./credentials.js";

/** types: number — a JSON number (decimals allowed, never NaN or Infinity). */
export const Num = z.number();

/** The spec's `int` — a whole JSON number. */
export const Int = z.int();

/** A `+` list: at least one element (terminology: Cardinality). */
export const NonEmptyList = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, "must contain at least one element");

/** A `*` list: zero or more elements; `null` and absent mean empty (terminology: Cardinality). */
export const List = <T extends z.ZodType>(item: T) => z.array(item).nullish();

/** types: string(2) language — ISO 639-1 code (Token.language; DisplayText tolerates more). */
export const Language = Str(2);

/** ISO 4217 currency code, a string(3) of three upper-case letters. */
export const Currency = Str(3).regex(/^[A-Z]{3}$/, "must be three upper-case letters (ISO 4217)");

/** ISO 3166-1 alpha-3 country code (Location.country, CdrLocation.country). */
export const CountryAlpha3 = Str(3).regex(
  /^[A-Z]{3}$/,
  "must be three upper-case letters (ISO 3166-1 alpha-3)",
);

/** A time of day `HH:MM` in 24h format with leading zeros (RegularHours, TariffRestrictions). */
export const TimeOfDay = Str(5).regex(
  /^([0-1][0-9]|2[0-3]):[0-5][0-9]$/,
  "must be a 24h time of day such as 18:15",
);

/** A language tag such as en-GB, eng or Java's en_GB (tolerance rule display-text-language). */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/;

/** types: DisplayText class; a language tag for `language` is tolerated (TOLERANCE.displayTextLanguage). */
export const DisplayTextSchema = z.looseObject({
  language: tolerated(
    Language,
    TOLERANCE.displayTextLanguage,
    (value) => value.length <= 35 && LANGUAGE_TAG.test(value),
  ),
  text: Str(512),
});
export type DisplayText = z.infer<typeof DisplayTextSchema>;

/** types: Price class. */
export const PriceSchema = z.looseObject({
  excl_vat: Num,
  incl_vat: Num.nullish(),
});
export type Price = z.infer<typeof PriceSchema>;

/** locations: EnergySourceCategory enum. */
export const EnergySourceCategory = z.enum([
  "NUCLEAR",
  "GENERAL_FOSSIL",
  "COAL",
  "GAS",
  "GENERAL_GREEN",
  "SOLAR",
  "WIND",
  "WATER",
]);

/** locations: EnergySource class. */
export const EnergySourceSchema = z.looseObject({
  source: EnergySourceCategory,
  percentage: Num.min(0, "must be between 0 and 100").max(100, "must be between 0 and 100"),
});

/** locations: EnvironmentalImpactCategory enum. */
export const EnvironmentalImpactCategory = z.enum(["NUCLEAR_WASTE", "CARBON_DIOXIDE"]);

/** locations: EnvironmentalImpact class. */
export const EnvironmentalImpactSchema = z.looseObject({
  category: EnvironmentalImpactCategory,
  amount: Num,
});

/** locations: EnergyMix class (also used by tariffs). */
export const EnergyMixSchema = z.looseObject({
  is_green_energy: z.boolean(),
  energy_sources: List(EnergySourceSchema),
  environ_impact: List(EnvironmentalImpactSchema),
  supplier_name: Str(64).nullish(),
  energy_product_name: Str(64).nullish(),
});
export type EnergyMix = z.infer<typeof EnergyMixSchema>;

/**
 * A decimal number of degrees with fewer than 5 decimals, within ±`bound`
 * (tolerance rule coordinate-precision).
 */
function coarseDegrees(digits: number, bound: number) {
  const form = new RegExp(`^-?[0-9]{1,${digits}}(\\.[0-9]{1,4})?$`);
  return (value: string) => form.test(value) && Math.abs(Number(value)) <= bound;
}

/**
 * locations: GeoLocation class (also used by cdrs: CdrLocation); fewer
 * decimals than the regex asks are tolerated (TOLERANCE.coordinatePrecision).
 */
export const GeoLocationSchema = z.looseObject({
  latitude: tolerated(
    Str(10).regex(/^-?[0-9]{1,2}\.[0-9]{5,7}$/, "must be decimal degrees such as 50.770774"),
    TOLERANCE.coordinatePrecision,
    coarseDegrees(2, 90),
  ),
  longitude: tolerated(
    Str(11).regex(/^-?[0-9]{1,3}\.[0-9]{5,7}$/, "must be decimal degrees such as -126.104965"),
    TOLERANCE.coordinatePrecision,
    coarseDegrees(3, 180),
  ),
});
export type GeoLocation = z.infer<typeof GeoLocationSchema>;

/** locations: AdditionalGeoLocation class. */
export const AdditionalGeoLocationSchema = GeoLocationSchema.extend({
  name: DisplayTextSchema.nullish(),
});

/** locations: RegularHours class; a period_end of "24:00" is tolerated (TOLERANCE.midnightEnd). */
export const RegularHoursSchema = z.looseObject({
  weekday: z
    .int()
    .min(1, "must be 1 (Monday) to 7 (Sunday)")
    .max(7, "must be 1 (Monday) to 7 (Sunday)"),
  period_begin: TimeOfDay,
  period_end: tolerated(TimeOfDay, TOLERANCE.midnightEnd, (value) => value === "24:00"),
});

/** locations: ExceptionalPeriod class. */
export const ExceptionalPeriodSchema = z.looseObject({
  period_begin: DateTime,
  period_end: DateTime,
});

/** locations: Hours class; `regular_hours` is used exactly when not `twentyfourseven`. */
export const HoursSchema = z
  .looseObject({
    twentyfourseven: z.boolean(),
    regular_hours: List(RegularHoursSchema),
    exceptional_openings: List(ExceptionalPeriodSchema),
    exceptional_closings: List(ExceptionalPeriodSchema),
  })
  .refine((h) => h.twentyfourseven || (h.regular_hours ?? []).length > 0, {
    path: ["regular_hours"],
    message: "must list at least one period when twentyfourseven is false",
  })
  .refine((h) => !h.twentyfourseven || (h.regular_hours ?? []).length === 0, {
    path: ["regular_hours"],
    message: "must be empty when twentyfourseven is true",
  });
export type Hours = z.infer<typeof HoursSchema>;

/** locations: Status enum (of an EVSE). */
export const EvseStatus = z.enum([
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
export type EvseStatus = z.infer<typeof EvseStatus>;

/** locations: StatusSchedule class. */
export const StatusScheduleSchema = z.looseObject({
  period_begin: DateTime,
  period_end: DateTime.nullish(),
  status: EvseStatus,
});

/** locations: ConnectorType enum (also used by cdrs: CdrLocation). */
export const ConnectorType = z.enum([
  "CHADEMO",
  "CHAOJI",
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
  "DOMESTIC_M",
  "DOMESTIC_N",
  "DOMESTIC_O",
  "GBT_AC",
  "GBT_DC",
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
  "NEMA_5_20",
  "NEMA_6_30",
  "NEMA_6_50",
  "NEMA_10_30",
  "NEMA_10_50",
  "NEMA_14_30",
  "NEMA_14_50",
  "PANTOGRAPH_BOTTOM_UP",
  "PANTOGRAPH_TOP_DOWN",
  "TESLA_R",
  "TESLA_S",
]);

/** locations: ConnectorFormat enum. */
export const ConnectorFormat = z.enum(["SOCKET", "CABLE"]);

/** locations: PowerType enum. */
export const PowerType = z.enum([
  "AC_1_PHASE",
  "AC_2_PHASE",
  "AC_2_PHASE_SPLIT",
  "AC_3_PHASE",
  "DC",
]);

/** tokens: TokenType enum (also used by locations: PublishTokenType and cdrs: CdrToken). */
export const TokenType = z.enum(["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]);
export type TokenType = z.infer<typeof TokenType>;

/** locations: PublishTokenType class, with the class's SHALL rules on which fields are set. */
export const PublishTokenTypeSchema = z
  .looseObject({
    uid: CiString(36).nullish(),
    type: TokenType.nullish(),
    visual_number: Str(64).nullish(),
    issuer: Str(64).nullish(),
    group_id: CiString(36).nullish(),
  })
  .refine((t) => t.uid != null || t.visual_number != null || t.group_id != null, {
    message: "must set at least one of uid, visual_number or group_id",
  })
  .refine((t) => t.uid == null || t.type != null, {
    path: ["type"],
    message: "is required when uid is set",
  })
  .refine((t) => t.visual_number == null || t.issuer != null, {
    path: ["issuer"],
    message: "is required when visual_number is set",
  });
export type PublishTokenType = z.infer<typeof PublishTokenTypeSchema>;

/** tokens: EnergyContract class. */
export const EnergyContractSchema = z.looseObject({
  supplier_name: Str(64),
  contract_id: Str(64).nullish(),
});
export type EnergyContract = z.infer<typeof EnergyContractSchema>;

/** sessions: ProfileType enum (also used by tokens: Token.default_profile_type). */
export const ProfileType = z.enum(["CHEAP", "FAST", "GREEN", "REGULAR"]);
export type ProfileType = z.infer<typeof ProfileType>;
