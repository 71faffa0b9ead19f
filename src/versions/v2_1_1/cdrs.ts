import { type Cdr, CdrSchema } from "../../ocpi/schemas/cdrs.js";
import type { Tariff } from "../../ocpi/schemas/tariffs.js";
import { type CdrLocation, cdrLocationFrom211, chargedAt, location211For } from "./cdr-location.js";
import { periodsTo211, periodsTo221 } from "./charging-periods.js";
import {
  lose,
  loseExtras,
  present,
  priceFrom211,
  priceTo211,
  refuse,
  under,
  valueTo211,
  within,
} from "./fields.js";
import type { ChargedLocation211 } from "./schemas/cdr-location.js";
import { ConnectorType211, PowerType211 } from "./schemas/cdr-location.js";
import { type AuthMethod211, type Cdr211, Cdr211Schema } from "./schemas/cdrs.js";
import { cdrTokenFor } from "./tokens.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * CDR between the versions (docs/ocpi-2.1.1/cdrs.md). CDRs have no PATCH
 * in either version.
 */

/** A 2.1.1 tariff as it appears in a CDR: the Tariffs module's object. */
export type Tariff211 = Record<string, unknown>;

/**
 * The Tariffs module's translations, which the CDR's tariffs go through.
 * Without one, the tariffs of that direction are a loss.
 */
export interface CdrTariffTranslations {
  to211?: (tariff: Tariff, ctx: TranslationContext) => Translated<Tariff211>;
  to221?: (tariff: Tariff211, ctx: TranslationContext) => Translated<Tariff>;
}

function tariffs<From, To>(
  list: readonly From[] | null | undefined,
  translate: ((tariff: From, ctx: TranslationContext) => Translated<To>) | undefined,
  ctx: TranslationContext,
  losses: Loss[],
): To[] | undefined {
  if (list == null || list.length === 0) return undefined;
  if (translate === undefined) {
    losses.push({ field: "tariffs", reason: "no tariff translation given" });
    return undefined;
  }
  return list.map((tariff, i) => {
    const translated = translate(tariff, ctx);
    losses.push(...under(`tariffs[${i}]`, translated.losses));
    return translated.value;
  });
}

/** The 2.2.1 fields a 2.1.1 CDR has none for: each is a loss when set. */
const ONLY_221 = [
  "session_id",
  "authorization_reference",
  "signed_data",
  "total_fixed_cost",
  "total_energy_cost",
  "total_time_cost",
  "total_parking_cost",
  "total_reservation_cost",
  "invoice_reference_id",
  "credit",
  "credit_reference_id",
  "home_charging_compensation",
] as const;

/**
 * A 2.2.1 CDR as 2.1.1's. A 2.1.1 CDR is POSTed without the CPO's party,
 * so country_code and party_id are losses; its location is the hub's copy
 * of the location with the CdrLocation's values over it (they are the
 * CDR's record of where it charged).
 */
export async function cdrTo211(
  cdr: Cdr,
  ctx: TranslationContext,
  tariffTranslations: CdrTariffTranslations = {},
): Promise<Translated<Cdr211>> {
  const losses: Loss[] = [];
  const noField = "no 2.1.1 field: a 2.1.1 CDR is POSTed without the CPO's party";
  loseExtras(cdr, CdrSchema.shape, losses);
  lose(losses, "country_code", cdr.country_code, noField);
  lose(losses, "party_id", cdr.party_id, noField);
  for (const field of ONLY_221) lose(losses, field, cdr[field], "no 2.1.1 field");
  const owner = { countryCode: cdr.country_code, partyId: cdr.party_id };
  const value = present({
    id: within(cdr.id, 36, "id"),
    start_date_time: cdr.start_date_time,
    stop_date_time: cdr.end_date_time,
    auth_id: cdr.cdr_token.contract_id,
    auth_method: valueTo211<AuthMethod211>(
      cdr.auth_method,
      { COMMAND: "AUTH_REQUEST" },
      "auth_method",
      losses,
    ),
    location: await cdrLocationTo211(cdr.cdr_location, owner, ctx, losses),
    meter_id: cdr.meter_id,
    currency: cdr.currency,
    tariffs: tariffs(cdr.tariffs, tariffTranslations.to211, ctx, losses),
    charging_periods: periodsTo211(cdr.charging_periods, "charging_periods", losses),
    total_cost: priceTo211(cdr.total_cost, "total_cost", losses),
    total_energy: cdr.total_energy,
    total_time: cdr.total_time,
    total_parking_time: cdr.total_parking_time,
    remark: cdr.remark,
    last_updated: cdr.last_updated,
  }) as Cdr211;
  if (value.charging_periods.length === 0)
    refuse("charging_periods", "no charging period has a dimension 2.1.1 knows");
  return { value, losses };
}

async function cdrLocationTo211(
  where: CdrLocation,
  owner: { countryCode: string; partyId: string },
  ctx: TranslationContext,
  losses: Loss[],
): Promise<ChargedLocation211> {
  const fields = {
    location: "cdr_location.id",
    evse: "cdr_location.evse_uid",
    connector: "cdr_location.connector_id",
  };
  const at = {
    owner,
    locationId: where.id,
    evseUid: where.evse_uid,
    connectorId: where.connector_id,
    fields,
  };
  const location = await location211For(at, ctx, losses);
  lose(losses, "cdr_location.state", where.state, "no 2.1.1 field");
  const standard = ConnectorType211.safeParse(where.connector_standard);
  if (!standard.success)
    refuse("cdr_location.connector_standard", `${where.connector_standard} has no 2.1.1 value`);
  const powerType = PowerType211.safeParse(where.connector_power_type);
  if (!powerType.success)
    refuse("cdr_location.connector_power_type", `${where.connector_power_type} has no 2.1.1 value`);
  const [evse] = location.evses ?? [];
  const [connector] = evse?.connectors ?? [];
  if (evse === undefined || connector === undefined) return location;
  return present({
    ...location,
    name: where.name ?? undefined,
    address: where.address,
    city: where.city,
    postal_code: where.postal_code ?? location.postal_code,
    country: where.country,
    coordinates: { latitude: where.coordinates.latitude, longitude: where.coordinates.longitude },
    evses: [
      {
        ...evse,
        evse_id: where.evse_id,
        connectors: [
          {
            ...connector,
            standard: standard.data,
            format: where.connector_format,
            power_type: powerType.data,
          },
        ],
      },
    ],
  });
}

/**
 * A 2.1.1 CPO's CDR as 2.2.1's: the CPO is the platform's party
 * (ctx.party), the CdrToken comes from the token index by auth_id, the
 * CdrLocation from the location's (first) EVSE and connector.
 */
export async function cdrTo221(
  cdr: Cdr211,
  ctx: TranslationContext,
  tariffTranslations: CdrTariffTranslations = {},
): Promise<Translated<Cdr>> {
  const losses: Loss[] = [];
  loseExtras(cdr, Cdr211Schema.shape, losses);
  const at = chargedAt(cdr.location, losses, "cdr_location.evse_uid", "cdr_location.connector_id");
  const value = present({
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
    id: cdr.id,
    start_date_time: cdr.start_date_time,
    end_date_time: cdr.stop_date_time,
    cdr_token: await cdrTokenFor(cdr.auth_id, ctx),
    auth_method: cdr.auth_method,
    cdr_location: cdrLocationFrom211(at, losses),
    meter_id: cdr.meter_id,
    currency: cdr.currency,
    tariffs: tariffs(cdr.tariffs, tariffTranslations.to221, ctx, losses),
    charging_periods: periodsTo221(cdr.charging_periods, "charging_periods", losses),
    total_cost: priceFrom211(cdr.total_cost),
    total_energy: cdr.total_energy,
    total_time: cdr.total_time,
    total_parking_time: cdr.total_parking_time,
    remark: cdr.remark,
    last_updated: cdr.last_updated,
  }) as Cdr;
  if (value.charging_periods.length === 0)
    refuse("charging_periods", "no charging period has a dimension 2.2.1 knows");
  return { value, losses };
}
