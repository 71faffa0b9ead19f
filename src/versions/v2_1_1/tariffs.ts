import type { Tariff } from "../../ocpi/schemas/tariffs.js";
import { defined, given, type Json, refusal, renameImpactCategory } from "./mapping.js";
import type { Tariff211, TariffPatch211 } from "./schemas/tariffs.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * Tariff, OCPI 2.1.1 ⇄ 2.2.1, as docs/ocpi-2.1.1/tariffs.md lists field by
 * field. 2.1.1's Tariff is 2.2.1's without the fields 2.2 added, so the way
 * up only adds the owner and renames the energy mix's impact category, and
 * the way down reports what it leaves out.
 */

const TO_211 = "Tariff for OCPI 2.1.1";

/** The 2.2.1 fields of a Tariff that 2.1.1 has no place for, each a Loss when set. */
const ONLY_221 = ["type", "min_price", "max_price", "start_date_time", "end_date_time"] as const;

/** Tariff fields 2.1.1 → 2.2.1: the elements are the same classes, 2.1.1 lacking only optional fields. */
function fieldsToV221(src: TariffPatch211): Json {
  const { energy_mix, ...rest } = src;
  return defined({ ...rest, energy_mix: renameImpactCategory(energy_mix, "source", "category") });
}

/** A 2.1.1 Tariff as 2.2.1, owned by the 2.1.1 sender's party (ctx.party); nothing is lost. */
export function tariffToV221(src: Tariff211, ctx: TranslationContext): Translated<Tariff> {
  const value = {
    ...fieldsToV221(src),
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
  } as Tariff;
  return { value, losses: [] };
}

/**
 * A 2.1.1 PATCH of a Tariff as the whole 2.2.1 Tariff it makes of
 * `current` (the hub's copy): 2.2.1 has no Tariff PATCH (changelog:
 * Tariffs, Receiver PATCH method), so a 2.2.1 receiver gets a PUT. The
 * PATCH's fields replace current's; last_updated is the time received when
 * the PATCH has none (2.1.1 does not require it).
 */
export function tariffPatchToV221(
  src: TariffPatch211,
  current: Tariff,
  receivedAt: Date,
): Translated<Tariff> {
  const value = {
    ...current,
    ...fieldsToV221(src),
    last_updated: src.last_updated ?? receivedAt.toISOString(),
  } as Tariff;
  return { value, losses: [] };
}

type Element = Tariff["elements"][number];

/** TariffRestrictions 2.2.1 → 2.1.1: current restrictions are losses (the element then applies at any current). */
function restrictionsToV211(restrictions: Json, path: string, losses: Loss[]): Json {
  const { min_current, max_current, reservation: _reservation, ...rest } = restrictions;
  for (const [field, value] of [
    ["min_current", min_current],
    ["max_current", max_current],
  ] as const) {
    if (given(value)) {
      losses.push({
        field: `${path}.${field}`,
        reason: "no OCPI 2.1.1 equivalent; the element applies at any current",
      });
    }
  }
  return rest;
}

/**
 * A TariffElement 2.2.1 → 2.1.1, or undefined for an element that prices
 * reservations only: 2.1.1 has no reservations, and without its
 * restriction such an element would price every charging session.
 */
function elementToV211(element: Element, i: number, losses: Loss[]): Json | undefined {
  const { price_components, restrictions, ...rest } = element;
  const path = `elements[${i}]`;
  if (given(restrictions?.reservation)) {
    losses.push({
      field: path,
      reason: `prices reservations only (${restrictions.reservation}), which OCPI 2.1.1 cannot express; left out`,
    });
    return undefined;
  }
  return defined({
    ...rest,
    price_components: price_components.map(({ vat, ...component }, j) => {
      if (given(vat)) {
        losses.push({
          field: `${path}.price_components[${j}].vat`,
          reason: "no OCPI 2.1.1 equivalent (2.1.1 prices exclude VAT)",
        });
      }
      return component;
    }),
    restrictions: given(restrictions)
      ? restrictionsToV211(restrictions, `${path}.restrictions`, losses)
      : restrictions,
  });
}

/**
 * A 2.2.1 Tariff as 2.1.1: country_code and party_id travel in the URL of
 * a 2.1.1 push; a tariff made only of reservation elements is refused, as
 * 2.1.1 requires at least one element.
 */
export function tariffToV211(src: Tariff): Translated<Tariff211> {
  const losses: Loss[] = [];
  const { country_code, party_id, elements, energy_mix, ...rest } = src;
  for (const field of ONLY_221) {
    if (given(src[field])) losses.push({ field, reason: "no OCPI 2.1.1 equivalent" });
    delete rest[field];
  }
  const kept = elements.flatMap((element, i) => elementToV211(element, i, losses) ?? []);
  if (kept.length === 0) {
    throw refusal(
      TO_211,
      "elements",
      "every element prices reservations only, which OCPI 2.1.1 cannot express",
    );
  }
  const value = defined({
    ...rest,
    elements: kept,
    energy_mix: renameImpactCategory(energy_mix, "category", "source"),
  });
  return { value: value as Tariff211, losses };
}
