import type { PartyRef } from "../../ocpi/parties.js";
import {
  type Session,
  type SessionPatch,
  SessionSchema,
  type SessionStatus,
} from "../../ocpi/schemas/sessions.js";
import { chargedAt, idsFrom211, location211For } from "./cdr-location.js";
import { periodsTo211, periodsTo221 } from "./charging-periods.js";
import { lose, loseExtras, present, priceFrom211, priceTo211, valueTo211 } from "./fields.js";
import type { AuthMethod211 } from "./schemas/cdrs.js";
import {
  type Session211,
  type Session211Patch,
  Session211Schema,
  type SessionStatus211,
} from "./schemas/sessions.js";
import { cdrTokenFor } from "./tokens.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * Session between the versions (docs/ocpi-2.1.1/sessions.md). Full objects
 * and PATCH bodies share one field mapping: a PATCH maps the fields it has.
 */

/** 2.2.1 values 2.1.1 lacks, and the 2.1.1 value that says the most of them. */
const STATUS_211: Partial<Record<SessionStatus, SessionStatus211>> = { RESERVATION: "PENDING" };
const AUTH_METHOD_211: Record<string, AuthMethod211> = { COMMAND: "AUTH_REQUEST" };

async function sessionFieldsTo211(
  session: Partial<Session>,
  owner: PartyRef,
  ctx: TranslationContext,
  losses: Loss[],
): Promise<Session211Patch> {
  loseExtras(session, SessionSchema.shape, losses);
  lose(losses, "authorization_reference", session.authorization_reference, "no 2.1.1 field");
  const status = session.status;
  const authMethod = session.auth_method;
  return present({
    id: session.id,
    start_datetime: session.start_date_time,
    end_datetime: session.end_date_time,
    kwh: session.kwh,
    auth_id: session.cdr_token?.contract_id,
    auth_method:
      authMethod === undefined
        ? undefined
        : valueTo211(authMethod, AUTH_METHOD_211, "auth_method", losses),
    location: await locationOf(session, owner, ctx, losses),
    meter_id: session.meter_id,
    currency: session.currency,
    charging_periods:
      session.charging_periods == null
        ? session.charging_periods
        : periodsTo211(session.charging_periods, "charging_periods", losses),
    total_cost:
      session.total_cost == null
        ? session.total_cost
        : priceTo211(session.total_cost, "total_cost", losses),
    status: status === undefined ? undefined : valueTo211(status, STATUS_211, "status", losses),
    last_updated: session.last_updated,
  });
}

/** The 2.1.1 location of a Session naming all three ids; a PATCH naming fewer loses them. */
async function locationOf(
  session: Partial<Session>,
  owner: PartyRef,
  ctx: TranslationContext,
  losses: Loss[],
) {
  const { location_id, evse_uid, connector_id } = session;
  if (location_id !== undefined && evse_uid !== undefined && connector_id !== undefined) {
    const fields = { location: "location_id", evse: "evse_uid", connector: "connector_id" };
    return location211For(
      { owner, locationId: location_id, evseUid: evse_uid, connectorId: connector_id, fields },
      ctx,
      losses,
    );
  }
  const reason = "a 2.1.1 location needs location_id, evse_uid and connector_id together";
  lose(losses, "location_id", location_id, reason);
  lose(losses, "evse_uid", evse_uid, reason);
  lose(losses, "connector_id", connector_id, reason);
  return undefined;
}

/**
 * A 2.2.1 Session as 2.1.1's. The CPO's country_code and party_id travel in
 * the 2.1.1 push URL (sessions/{country_code}/{party_id}/{id}); the
 * location comes from the hub's copy of it (ctx.findLocation).
 */
export async function sessionTo211(
  session: Session,
  ctx: TranslationContext,
): Promise<Translated<Session211>> {
  const losses: Loss[] = [];
  const owner = { countryCode: session.country_code, partyId: session.party_id };
  const value = (await sessionFieldsTo211(session, owner, ctx, losses)) as Session211;
  return { value, losses };
}

/** A 2.2.1 Session PATCH as 2.1.1's; `owner` is the CPO of the session (the PATCH URL's party). */
export async function sessionPatchTo211(
  patch: SessionPatch,
  owner: PartyRef,
  ctx: TranslationContext,
): Promise<Translated<Session211Patch>> {
  const losses: Loss[] = [];
  const { country_code: _country, party_id: _party, ...fields } = patch;
  return { value: await sessionFieldsTo211(fields, owner, ctx, losses), losses };
}

async function sessionFieldsTo221(
  session: Session211Patch,
  ctx: TranslationContext,
  losses: Loss[],
): Promise<Partial<Session>> {
  loseExtras(session, Session211Schema.shape, losses);
  const at =
    session.location == null
      ? undefined
      : chargedAt(session.location, losses, "evse_uid", "connector_id");
  return present({
    id: session.id,
    start_date_time: session.start_datetime,
    end_date_time: session.end_datetime,
    kwh: session.kwh,
    cdr_token: session.auth_id === undefined ? undefined : await cdrTokenFor(session.auth_id, ctx),
    auth_method: session.auth_method,
    ...(at === undefined ? {} : idsFrom211(at)),
    meter_id: session.meter_id,
    currency: session.currency,
    charging_periods:
      session.charging_periods == null
        ? session.charging_periods
        : periodsTo221(session.charging_periods, "charging_periods", losses),
    total_cost: session.total_cost == null ? session.total_cost : priceFrom211(session.total_cost),
    status: session.status,
    last_updated: session.last_updated,
  });
}

/**
 * A 2.1.1 CPO's Session as 2.2.1's: the CPO is the platform's party
 * (ctx.party), the CdrToken comes from the token index by auth_id, the
 * ids from the location's (first) EVSE and connector.
 */
export async function sessionTo221(
  session: Session211,
  ctx: TranslationContext,
): Promise<Translated<Session>> {
  const losses: Loss[] = [];
  const fields = await sessionFieldsTo221(session, ctx, losses);
  const value = {
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
    ...fields,
  } as Session;
  return { value, losses };
}

/**
 * A 2.1.1 Session PATCH as 2.2.1's. 2.2.1 requires last_updated, 2.1.1
 * does not: without one, it is `receivedAt`, when the hub learnt of the change.
 */
export async function sessionPatchTo221(
  patch: Session211Patch,
  ctx: TranslationContext,
  receivedAt: Date,
): Promise<Translated<SessionPatch>> {
  const losses: Loss[] = [];
  const fields = await sessionFieldsTo221(patch, ctx, losses);
  const value = { ...fields, last_updated: fields.last_updated ?? receivedAt.toISOString() };
  return { value, losses };
}
