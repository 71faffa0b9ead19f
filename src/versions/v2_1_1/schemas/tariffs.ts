import { z } from "zod";
import { Currency, DisplayTextSchema, List, NonEmptyList } from "../../../ocpi/schemas/common.js";
import { CiString, DateTime, Url } from "../../../ocpi/schemas/primitives.js";
import { PriceComponentSchema, TariffRestrictionsSchema } from "../../../ocpi/schemas/tariffs.js";
import { EnergyMix211Schema } from "./locations.js";

/**
 * OCPI 2.1.1 Tariffs module objects (mod_tariffs.md § 3 and 4): 2.2.1's
 * classes without the fields 2.2 added.
 */

/** tariffs 2.1.1: PriceComponent class — `price` excludes VAT; there is no `vat`. */
export const PriceComponent211Schema = PriceComponentSchema.omit({ vat: true });

/** tariffs 2.1.1: TariffRestrictions class — no current or reservation restrictions. */
export const TariffRestrictions211Schema = TariffRestrictionsSchema.omit({
  min_current: true,
  max_current: true,
  reservation: true,
});

/** tariffs 2.1.1: TariffElement class. */
export const TariffElement211Schema = z.looseObject({
  price_components: NonEmptyList(PriceComponent211Schema),
  restrictions: TariffRestrictions211Schema.nullish(),
});

/** tariffs 2.1.1: Tariff object (no country_code, party_id, type, prices or validity period). */
export const Tariff211Schema = z.looseObject({
  id: CiString(36),
  currency: Currency,
  tariff_alt_text: List(DisplayTextSchema),
  tariff_alt_url: Url.nullish(),
  elements: NonEmptyList(TariffElement211Schema),
  energy_mix: EnergyMix211Schema.nullish(),
  last_updated: DateTime,
});
export type Tariff211 = z.infer<typeof Tariff211Schema>;

/** tariffs 2.1.1: PATCH body — any Tariff fields; `last_updated` is not required in 2.1.1. */
export const TariffPatch211Schema = Tariff211Schema.partial();
export type TariffPatch211 = z.infer<typeof TariffPatch211Schema>;
