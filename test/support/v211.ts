import { expect } from "vitest";
import type { z } from "zod";
import { OcpiError } from "../../src/ocpi/errors.js";
import type { PartyRef } from "../../src/ocpi/parties.js";
import type {
  KnownToken,
  Loss,
  TranslationContext,
} from "../../src/versions/v2_1_1/translation.js";
import { example } from "./examples.js";
import { type Example211, examples211, type Page211 } from "./examples-2.1.1.js";
import { expectStrictlyValid, request211 } from "./translation-2.1.1.js";

/** The parties of the 2.1.1 translation tests. */
export const CPO: PartyRef = { countryCode: "BE", partyId: "BEC" };
export const EMSP: PartyRef = { countryCode: "NL", partyId: "TST" };

/** A token the fake index knows; the spec's examples name these contracts. */
export const known = (
  owner: PartyRef,
  uid: string,
  contractId: string,
  type = "RFID",
): KnownToken => ({
  owner,
  uid,
  type,
  contract_id: contractId,
});

/** The tokens of the spec's session and CDR examples (2.1.1 and 2.2.1). */
export const SPEC_TOKENS: KnownToken[] = [
  known({ countryCode: "DE", partyId: "TNM" }, "012345678", "DE8ACC12E46L89"),
  known(EMSP, "123abc", "NL-TST-C12345678-S"),
];

/**
 * A context with an in-memory token index (uid or auth_id, compared
 * case-insensitively) and location store: the spec's location_example.json
 * (LOC1) as every party's, unless `locations` are given.
 */
export function fakeContext(
  party: PartyRef,
  tokens: KnownToken[] = SPEC_TOKENS,
  locations?: Record<string, unknown>[],
): TranslationContext {
  const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
  return {
    party,
    findToken: async (id) => tokens.find((t) => same(t.uid, id) || same(t.contract_id, id)),
    findLocation: async (owner, id) => {
      const list = locations ?? [
        {
          ...example("location_example.json"),
          country_code: owner.countryCode,
          party_id: owner.partyId,
        },
      ];
      return list.find(
        (l) =>
          same(String(l.id), id) &&
          same(String(l.country_code), owner.countryCode) &&
          same(String(l.party_id), owner.partyId),
      );
    },
  };
}

/**
 * The JSON body of a 2.1.1 example: most are the object itself, some an
 * HTTP request ("PATCH To URL: …" then a blank line and the body).
 */
export const body211 = (e: Example211): any =>
  /^\s*\w+ To URL:/.test(e.text) ? request211(e, "").body : JSON.parse(e.text);

/** Splits a loss path such as `charging_periods[2].dimensions[1]` into keys. */
function keysOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] === undefined ? (m[1] as string) : Number(m[2]),
  );
}

/**
 * Removes a lost field. A lost list element is gone from the translated
 * object, so it is removed from the original only; a lost property may
 * come back derived or substituted, so it is removed from both.
 */
function removeLoss(original: any, back: any, path: string): void {
  const keys = keysOf(path);
  const last = keys[keys.length - 1] as string | number;
  const parentOf = (value: any) => keys.slice(0, -1).reduce((at, key) => at?.[key], value);
  const inOriginal = parentOf(original);
  if (typeof last === "number") {
    if (Array.isArray(inOriginal)) inOriginal.splice(last, 1);
    return;
  }
  if (inOriginal != null) delete inOriginal[last];
  const inBack = parentOf(back);
  if (inBack != null) delete inBack[last];
}

/**
 * The round trip kept everything but the reported losses: the original and
 * the translation back agree once each lost field is taken out (list
 * elements from the last to the first, so earlier indexes stay right).
 */
export function expectSameBesidesLosses(original: unknown, back: unknown, losses: Loss[]): void {
  const a = structuredClone(original);
  const b = structuredClone(back);
  const byIndexDescending = [...losses].sort((x, y) =>
    y.field.localeCompare(x.field, "en", { numeric: true }),
  );
  for (const loss of byIndexDescending) removeLoss(a, b, loss.field);
  expect(JSON.parse(JSON.stringify(b))).toEqual(JSON.parse(JSON.stringify(a)));
}

/** The 2001 a translation refused with. */
export async function translationRefusal(run: () => unknown): Promise<OcpiError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof OcpiError) return err;
    throw err;
  }
  throw new Error("the translation was not refused");
}

/**
 * The example of `page` under `heading` (exactly, or its beginning when no
 * heading is equal): the only one, or the `index`th when several are.
 */
export function exampleUnder(page: Page211, heading: string, index?: number): Example211 {
  const all = examples211(page);
  const exact = all.filter((e) => e.heading === heading);
  const found = exact.length > 0 ? exact : all.filter((e) => e.heading.startsWith(heading));
  if (index === undefined) expect(found, `${page} › ${heading}`).toHaveLength(1);
  const chosen = found[index ?? 0];
  if (chosen === undefined) throw new Error(`no example ${index} under ${page} › ${heading}`);
  return chosen;
}

/**
 * Errata of the 2.1.1 Session and CDR examples: the location's country is
 * alpha-2 ("BE") where mod_locations asks ISO 3166-1 alpha-3, and its
 * coordinates are swapped (Gent lies at 51.05 N, 3.73 E; no schema can see
 * that, the fix restores it). The CDR's tariff also has a string price,
 * which the CDR test fixes itself.
 */
export function fixLocationErrata(object: any): any {
  object.location.country = "BEL";
  const { latitude, longitude } = object.location.coordinates;
  object.location.coordinates = { latitude: longitude, longitude: latitude };
  return object;
}

/** `value` is valid under `schema`, strictly (no tolerance rule used); names the problems if not. */
export const expectValid = (schema: z.ZodType, value: unknown): void =>
  expectStrictlyValid(schema, value, "");
