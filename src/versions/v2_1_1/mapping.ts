import { invalidParameters, type OcpiError } from "../../ocpi/errors.js";
import type { Price } from "../../ocpi/schemas/common.js";
import type { Loss } from "./translation.js";

/**
 * The small steps every 2.1.1 ⇄ 2.2.1 translation of this folder shares:
 * JSON paths of the source's fields, losses of enumeration values, the
 * refusal of a field the target cannot do without, coordinates in 2.1.1's
 * six decimals, the energy mix whose field 2.2 renamed, amounts as plain
 * numbers or Prices, enumeration values with a stand-in, ids longer than
 * 2.2.1 allows.
 */

/** A JSON object as the translations take it apart: known fields mapped, the rest carried. */
export type Json = Record<string, unknown>;

/** `path.key`, or `key` at the top. */
export const at = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

/** A value the source really carries: neither absent nor null. */
export const given = <T>(value: T | null | undefined): value is T =>
  value !== undefined && value !== null;

/**
 * The OCPI 2001 refusal of a translation: `what` names the object and the
 * target version, `field` the source field the target cannot do without.
 */
export const refusal = (what: string, field: string, reason: string): OcpiError =>
  invalidParameters(`cannot translate ${what}: ${field}: ${reason}`);

/**
 * The values of a list the target's enumeration has, in order; each other
 * value is a Loss at its own index. A null or absent list stays as it is.
 */
export function keepKnown<T extends string>(
  values: readonly T[] | null | undefined,
  known: readonly string[],
  path: string,
  version: string,
  losses: Loss[],
): T[] | null | undefined {
  if (!given(values)) return values;
  return values.filter((value, i) => {
    if (known.includes(value)) return true;
    losses.push({ field: `${path}[${i}]`, reason: `value ${value} not in OCPI ${version}` });
    return false;
  });
}

/**
 * A decimal degree in 2.1.1's form, exactly six decimals: fewer are padded
 * with zeros (the same number); more are rounded, a Loss of precision.
 */
export function sixDecimals(value: string, path: string, losses: Loss[]): string {
  const [whole, fraction = ""] = value.split(".");
  if (fraction.length <= 6) return `${whole}.${fraction.padEnd(6, "0")}`;
  losses.push({ field: path, reason: "rounded to the six decimals of OCPI 2.1.1" });
  return Number(value).toFixed(6);
}

/** A GeoLocation (or AdditionalGeoLocation) of 2.2.1 with 2.1.1's six decimals. */
export function geoTo211<T extends { latitude: string; longitude: string }>(
  geo: T,
  path: string,
  losses: Loss[],
): T {
  return {
    ...geo,
    latitude: sixDecimals(geo.latitude, at(path, "latitude"), losses),
    longitude: sixDecimals(geo.longitude, at(path, "longitude"), losses),
  };
}

/** A list of AdditionalGeoLocations of 2.2.1 with 2.1.1's six decimals. */
export function geoListTo211<T extends { latitude: string; longitude: string }>(
  list: readonly T[] | null | undefined,
  path: string,
  losses: Loss[],
): T[] | null | undefined {
  if (!given(list)) return list;
  return list.map((geo, i) => geoTo211(geo, `${path}[${i}]`, losses));
}

/**
 * An EnergyMix with its environmental impacts' category under the other
 * version's name: 2.1.1 `source` ⇄ 2.2.1 `category` (2.2 changelog:
 * EnvironmentalImpact class). Nothing else differs.
 */
export function renameImpactCategory(
  mix: Json | null | undefined,
  from: "source" | "category",
  to: "source" | "category",
): Json | null | undefined {
  if (!given(mix) || !Array.isArray(mix.environ_impact)) return mix;
  return {
    ...mix,
    environ_impact: (mix.environ_impact as Json[]).map((impact) => {
      const { [from]: category, ...rest } = impact;
      return { ...rest, [to]: category };
    }),
  };
}

/** A copy of `value` without the keys whose value is undefined (a mapped field the source did not have). */
export function defined<T extends object>(value: T): T {
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}

/**
 * 2.1.1 does not require `last_updated` in a PATCH, 2.2.1 does: the
 * instant the hub received the 2.1.1 PATCH stands in for it, the moment
 * the hub learnt of the change.
 */
export function withLastUpdated(fields: Json, receivedAt: Date): Json {
  return { ...fields, last_updated: fields.last_updated ?? receivedAt.toISOString() };
}

/** A Loss when the source field holds something (null, absent and [] lose nothing). */
export function lose(losses: Loss[], field: string, value: unknown, reason: string): void {
  if (!given(value) || (Array.isArray(value) && value.length === 0)) return;
  losses.push({ field, reason });
}

/** Losses of a nested translation, under the path of the field that holds it. */
export const under = (prefix: string, losses: readonly Loss[]): Loss[] =>
  losses.map((loss) => ({ field: at(prefix, loss.field), reason: loss.reason }));

/** A 2.1.1 id or reference the 2.2.1 field must hold (CiString(36)); longer is refused naming `field`. */
export function within(value: string, max: number, what: string, field: string): string {
  if (value.length > max)
    throw refusal(what, field, `longer than the ${max} characters of OCPI 2.2.1`);
  return value;
}

/** 2.1.1's plain amount (excluding VAT, as every 2.1.1 amount) as a 2.2.1 Price. */
export const priceFrom211 = (amount: number): Price => ({ excl_vat: amount });

/** A 2.2.1 Price as 2.1.1's plain amount excluding VAT; `incl_vat` is a Loss. */
export function priceTo211(price: Price, path: string, losses: Loss[]): number {
  lose(
    losses,
    at(path, "incl_vat"),
    price.incl_vat,
    "no OCPI 2.1.1 equivalent: 2.1.1 amounts exclude VAT",
  );
  return price.excl_vat;
}

/**
 * An enumeration value in the target version: the value itself, or its
 * stand-in from `substitutes` when the target lacks it, the stand-in a Loss.
 */
export function substitute<T extends string>(
  value: string,
  substitutes: Partial<Record<string, T>>,
  field: string,
  version: string,
  losses: Loss[],
): T {
  const standIn = substitutes[value];
  if (standIn === undefined) return value as T;
  losses.push({ field, reason: `value ${value} not in OCPI ${version}; sent as ${standIn}` });
  return standIn;
}

/**
 * The fields of `value` that its version's object does not define (a
 * platform's own additions; `known` is the object schema's shape): carried
 * unchanged, as every translation of this folder carries them.
 */
export function unknownFields(value: object, known: object): Json {
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) if (!(key in known)) out[key] = v;
  return out;
}
