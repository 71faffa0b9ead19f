import { type Cdr, CdrSchema } from "../../ocpi/schemas/cdrs.js";
import { type CdrLocation, cdrLocationFrom211, chargedAt, location211For } from "./cdr-location.js";
import { periodsTo211, periodsTo221 } from "./charging-periods.js";
import {
  at,
  defined,
  geoTo211,
  lose,
  priceFrom211,
  priceTo211,
  refusal,
  substitute,
  under,
  unknownFields,
  within,
} from "./mapping.js";
import { type Cdr211, Cdr211Schema } from "./schemas/cdrs.js";
import { ConnectorType211, type Location211, PowerType211 } from "./schemas/locations.js";
import { AUTH_METHOD_211 } from "./sessions.js";
import { tariffToV211, tariffToV221 } from "./tariffs.js";
import { cdrTokenFor } from "./tokens.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * CDR, OCPI 2.1.1 ⇄ 2.2.1, as docs/ocpi-2.1.1/cdrs.md lists field by
 * field. CDRs have no PATCH in either version. The CDR's tariffs go
 * through the Tariffs translation (tariffs.ts), their losses under
 * `tariffs[i]`.
 */

const TO_221 = "CDR for OCPI 2.2.1";
const TO_211 = "CDR for OCPI 2.1.1";

/** The 2.2.1 fields a 2.1.1 CDR has no place for: each a Loss when set. */
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

/** Each translated element of a list, its losses under `path[i]`. */
function eachOf<From, To>(
  list: readonly From[] | null | undefined,
  translate: (item: From) => Translated<To>,
  path: string,
  losses: Loss[],
): To[] | null | undefined {
  if (list == null) return list;
  return list.map((item, i) => {
    const translated = translate(item);
    losses.push(...under(`${path}[${i}]`, translated.losses));
    return translated.value;
  });
}

/**
 * A 2.2.1 CDR as 2.1.1's. A 2.1.1 CDR is POSTed to /cdrs without the CPO's
 * party, so country_code and party_id are losses; its location is the
 * hub's copy with the CdrLocation's values over it (the CDR's record of
 * where it charged).
 */
export async function cdrTo211(cdr: Cdr, ctx: TranslationContext): Promise<Translated<Cdr211>> {
  const losses: Loss[] = [];
  const noParty = "no OCPI 2.1.1 equivalent: a 2.1.1 CDR is POSTed without the CPO's party";
  lose(losses, "country_code", cdr.country_code, noParty);
  lose(losses, "party_id", cdr.party_id, noParty);
  for (const field of ONLY_221) lose(losses, field, cdr[field], "no OCPI 2.1.1 equivalent");
  const owner = { countryCode: cdr.country_code, partyId: cdr.party_id };
  const value = defined({
    ...unknownFields(cdr, CdrSchema.shape),
    id: within(cdr.id, 36, TO_211, "id"),
    start_date_time: cdr.start_date_time,
    stop_date_time: cdr.end_date_time,
    auth_id: cdr.cdr_token.contract_id,
    auth_method: substitute(cdr.auth_method, AUTH_METHOD_211, "auth_method", "2.1.1", losses),
    location: await locationTo211(cdr.cdr_location, owner, ctx, losses),
    meter_id: cdr.meter_id,
    currency: cdr.currency,
    tariffs: eachOf(cdr.tariffs, tariffToV211, "tariffs", losses),
    charging_periods: periodsTo211(cdr.charging_periods, "charging_periods", losses),
    total_cost: priceTo211(cdr.total_cost, "total_cost", losses),
    total_energy: cdr.total_energy,
    total_time: cdr.total_time,
    total_parking_time: cdr.total_parking_time,
    remark: cdr.remark,
    last_updated: cdr.last_updated,
  }) as Cdr211;
  if (value.charging_periods.length === 0)
    throw refusal(
      TO_211,
      "charging_periods",
      "no charging period has a dimension OCPI 2.1.1 knows",
    );
  return { value, losses };
}

/** The 2.1.1 location of a CDR: the hub's copy, the CdrLocation's own values over it. */
async function locationTo211(
  where: CdrLocation,
  owner: { countryCode: string; partyId: string },
  ctx: TranslationContext,
  losses: Loss[],
): Promise<Location211> {
  const fields = {
    what: TO_211,
    location: "cdr_location.id",
    evse: "cdr_location.evse_uid",
    connector: "cdr_location.connector_id",
  };
  const standard = ConnectorType211.safeParse(where.connector_standard);
  if (!standard.success)
    throw refusal(
      TO_211,
      "cdr_location.connector_standard",
      `${where.connector_standard} has no OCPI 2.1.1 equivalent`,
    );
  const powerType = PowerType211.safeParse(where.connector_power_type);
  if (!powerType.success)
    throw refusal(
      TO_211,
      "cdr_location.connector_power_type",
      `${where.connector_power_type} has no OCPI 2.1.1 equivalent`,
    );
  const charged = {
    owner,
    locationId: where.id,
    evseUid: where.evse_uid,
    connectorId: where.connector_id,
    fields,
  };
  const location = await location211For(charged, ctx);
  lose(losses, "cdr_location.state", where.state, "no OCPI 2.1.1 equivalent");
  const [evse] = location.evses ?? [];
  const [connector] = evse?.connectors ?? [];
  if (evse === undefined || connector === undefined) return location;
  return defined({
    ...location,
    name: where.name ?? location.name,
    address: where.address,
    city: where.city,
    postal_code: where.postal_code ?? location.postal_code,
    country: where.country,
    coordinates: geoTo211(where.coordinates, at("cdr_location", "coordinates"), losses),
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
export async function cdrTo221(cdr: Cdr211, ctx: TranslationContext): Promise<Translated<Cdr>> {
  const losses: Loss[] = [];
  const fields = {
    what: TO_221,
    evse: "cdr_location.evse_uid",
    connector: "cdr_location.connector_id",
  };
  const charged = chargedAt(cdr.location, losses, fields);
  const value = defined({
    ...unknownFields(cdr, Cdr211Schema.shape),
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
    id: cdr.id,
    start_date_time: cdr.start_date_time,
    end_date_time: cdr.stop_date_time,
    cdr_token: await cdrTokenFor(cdr.auth_id, TO_221, ctx),
    auth_method: cdr.auth_method,
    cdr_location: cdrLocationFrom211(charged, TO_221, losses),
    meter_id: cdr.meter_id,
    currency: cdr.currency,
    tariffs: eachOf(cdr.tariffs, (tariff) => tariffToV221(tariff, ctx), "tariffs", losses),
    charging_periods: periodsTo221(cdr.charging_periods, "charging_periods", losses),
    total_cost: priceFrom211(cdr.total_cost),
    total_energy: cdr.total_energy,
    total_time: cdr.total_time,
    total_parking_time: cdr.total_parking_time,
    remark: cdr.remark,
    last_updated: cdr.last_updated,
  }) as Cdr;
  if (value.charging_periods.length === 0)
    throw refusal(
      TO_221,
      "charging_periods",
      "no charging period has a dimension OCPI 2.2.1 knows",
    );
  return { value, losses };
}
