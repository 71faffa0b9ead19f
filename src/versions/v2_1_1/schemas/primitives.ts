import { z } from "zod";
import { List, RegularHoursSchema } from "../../../ocpi/schemas/common.js";
import { DisplayTextSchema, ExceptionalPeriodSchema } from "../../../ocpi/schemas/locations.js";
import { TOLERANCE, tolerated } from "../../../ocpi/tolerance.js";

/**
 * The OCPI 2.1.1 types that differ from 2.2.1's; every other type is the
 * 2.2.1 schema, reused. Two choices hold for all 2.1.1 schemas:
 *
 * - 2.1.1's `string` is printable ASCII (types: string), 2.2.1's is UTF-8.
 *   Identifiers keep the ASCII rule (CiString of 2.2.1, same characters);
 *   human-readable text (names, addresses, DisplayText) is accepted as
 *   UTF-8, because 2.1.1 platforms write "Köln" and 2.2 changed the type for
 *   exactly that reason (changelog: Types / string).
 * - DateTime is 2.2.1's, with its tolerance rule utc-offset: 2.1.1's ISO 8601
 *   form is the same text, fractions of a second included.
 */

/** A decimal degree with exactly six decimals (2.1.1 GeoLocation regex `-?[0-9]{1,2}\.[0-9]{6}`). */
const degrees = (digits: number) => new RegExp(`^-?[0-9]{1,${digits}}\\.[0-9]{6}$`);

/**
 * A decimal degree with fewer decimals than the spec's six, within ±`bound`:
 * the same deviation 2.2.1's tolerance rule coordinate-precision accepts.
 */
function coarserDegrees(digits: number, bound: number) {
  const form = new RegExp(`^-?[0-9]{1,${digits}}(\\.[0-9]{1,5})?$`);
  return (value: string) => form.test(value) && Math.abs(Number(value)) <= bound;
}

/** locations: GeoLocation class of 2.1.1 — six decimals; fewer are tolerated (TOLERANCE.coordinatePrecision). */
export const GeoLocation211Schema = z.looseObject({
  latitude: tolerated(
    z
      .string()
      .max(10, "must be at most 10 characters")
      .regex(degrees(2), "must be decimal degrees with six decimals such as 50.770774"),
    TOLERANCE.coordinatePrecision,
    coarserDegrees(2, 90),
  ),
  longitude: tolerated(
    z
      .string()
      .max(11, "must be at most 11 characters")
      .regex(degrees(3), "must be decimal degrees with six decimals such as -126.104965"),
    TOLERANCE.coordinatePrecision,
    coarserDegrees(3, 180),
  ),
});
export type GeoLocation211 = z.infer<typeof GeoLocation211Schema>;

/** locations: AdditionalGeoLocation class of 2.1.1. */
export const AdditionalGeoLocation211Schema = GeoLocation211Schema.extend({
  name: DisplayTextSchema.nullish(),
});

/**
 * locations: Hours class of 2.1.1 — a choice of `regular_hours` or
 * `twentyfourseven`: `twentyfourseven` may be left out when regular hours
 * are given (2.2.1 requires it always).
 */
export const Hours211Schema = z
  .looseObject({
    regular_hours: List(RegularHoursSchema),
    twentyfourseven: z.boolean().nullish(),
    exceptional_openings: List(ExceptionalPeriodSchema),
    exceptional_closings: List(ExceptionalPeriodSchema),
  })
  .refine((h) => h.twentyfourseven === true || (h.regular_hours ?? []).length > 0, {
    path: ["regular_hours"],
    message: "must list at least one period unless twentyfourseven is true",
  })
  .refine((h) => h.twentyfourseven !== true || (h.regular_hours ?? []).length === 0, {
    path: ["regular_hours"],
    message: "must be empty when twentyfourseven is true",
  });
export type Hours211 = z.infer<typeof Hours211Schema>;
