import { z } from "zod";
import {
  Currency,
  DisplayTextSchema,
  EnergyMixSchema,
  Int,
  List,
  NonEmptyList,
  Num,
  PriceSchema,
  TimeOfDay,
} from "./common.js";
import { CiString, CountryCode, DateTime, PartyId, Str, Url } from "./primitives.js";

/** tariffs: DayOfWeek enum. */
export const DayOfWeek = z.enum([
  "MONDAY",
  "TUESDAY",
  "WEDNESDAY",
  "THURSDAY",
  "FRIDAY",
  "SATURDAY",
  "SUNDAY",
]);

/** tariffs: ReservationRestrictionType enum. */
export const ReservationRestrictionType = z.enum(["RESERVATION", "RESERVATION_EXPIRES"]);

/** tariffs: TariffDimensionType enum. */
export const TariffDimensionType = z.enum(["ENERGY", "FLAT", "PARKING_TIME", "TIME"]);

/** tariffs: TariffType enum. */
export const TariffType = z.enum([
  "AD_HOC_PAYMENT",
  "PROFILE_CHEAP",
  "PROFILE_FAST",
  "PROFILE_GREEN",
  "REGULAR",
]);

/** A local calendar date `YYYY-MM-DD` (tariffs: TariffRestrictions start_date/end_date). */
const LocalDate = Str(10).regex(
  /^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/,
  "must be a date such as 2015-12-24",
);

/** tariffs: PriceComponent class. */
export const PriceComponentSchema = z.looseObject({
  type: TariffDimensionType,
  price: Num,
  vat: Num.nullish(),
  step_size: Int,
});

/** tariffs: TariffRestrictions class. */
export const TariffRestrictionsSchema = z.looseObject({
  start_time: TimeOfDay.nullish(),
  end_time: TimeOfDay.nullish(),
  start_date: LocalDate.nullish(),
  end_date: LocalDate.nullish(),
  min_kwh: Num.nullish(),
  max_kwh: Num.nullish(),
  min_current: Num.nullish(),
  max_current: Num.nullish(),
  min_power: Num.nullish(),
  max_power: Num.nullish(),
  min_duration: Int.nullish(),
  max_duration: Int.nullish(),
  day_of_week: List(DayOfWeek),
  reservation: ReservationRestrictionType.nullish(),
});

/** tariffs: TariffElement class. */
export const TariffElementSchema = z.looseObject({
  price_components: NonEmptyList(PriceComponentSchema),
  restrictions: TariffRestrictionsSchema.nullish(),
});

/** tariffs: Tariff object. */
export const TariffSchema = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  currency: Currency,
  type: TariffType.nullish(),
  tariff_alt_text: List(DisplayTextSchema),
  tariff_alt_url: Url.nullish(),
  min_price: PriceSchema.nullish(),
  max_price: PriceSchema.nullish(),
  elements: NonEmptyList(TariffElementSchema),
  start_date_time: DateTime.nullish(),
  end_date_time: DateTime.nullish(),
  energy_mix: EnergyMixSchema.nullish(),
  last_updated: DateTime,
});
export type Tariff = z.infer<typeof TariffSchema>;
