import type { PartyRef } from "../../ocpi/parties.js";
import {
  type Session,
  type SessionPatch,
  SessionSchema,
  type SessionStatus,
} from "../../ocpi/schemas/sessions.js";
import { chargedAt, idsFrom211, location211For } from "./cdr-location.js";
import { periodsTo211, periodsTo221 } from "./charging-periods.js";
import {
  defined,
  lose,
  priceFrom211,
  priceTo211,
  substitute,
  unknownFields,
  withLastUpdated,
} from "./mapping.js";
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
 * Session, OCPI 2.1.1 ⇄ 2.2.1, as docs/ocpi-2.1.1/sessions.md lists field
 * by field. One mapping of the fields per direction serves the full object
 * and its PATCH body (which maps only the fields it has).
 */

const TO_221 = "Session for OCPI 2.2.1";
const TO_211 = "Session for OCPI 2.1.1";

/** 2.2.1 values 2.1.1 lacks, and the 2.1.1 value that says the most of them. */
const STATUS_211: Partial<Record<SessionStatus, SessionStatus211>> = { RESERVATION: "PENDING" };
export const AUTH_METHOD_211: Partial<Record<string, AuthMethod211>> = { COMMAND: "AUTH_REQUEST" };

async function fieldsTo211(
  session: Partial<Session>,
  owner: PartyRef,
  ctx: TranslationContext,
  losses: Loss[],
): Promise<Session211Patch> {
  lose(
    losses,
    "authorization_reference",
    session.authorization_reference,
    "no OCPI 2.1.1 equivalent",
  );
  const { status, auth_method: method, charging_periods: periods, total_cost: cost } = session;
  return defined({
    ...unknownFields(session, SessionSchema.shape),
    id: session.id,
    start_datetime: session.start_date_time,
    end_datetime: session.end_date_time,
    kwh: session.kwh,
    auth_id: session.cdr_token?.contract_id,
    auth_method:
      method === undefined
        ? undefined
        : substitute(method, AUTH_METHOD_211, "auth_method", "2.1.1", losses),
    location: await locationOf(session, owner, ctx, losses),
    meter_id: session.meter_id,
    currency: session.currency,
    charging_periods: periods == null ? periods : periodsTo211(periods, "charging_periods", losses),
    total_cost: cost == null ? cost : priceTo211(cost, "total_cost", losses),
    status:
      status === undefined ? undefined : substitute(status, STATUS_211, "status", "2.1.1", losses),
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
    const fields = {
      what: TO_211,
      location: "location_id",
      evse: "evse_uid",
      connector: "connector_id",
    };
    const at = {
      owner,
      locationId: location_id,
      evseUid: evse_uid,
      connectorId: connector_id,
      fields,
    };
    return location211For(at, ctx);
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
 * location is the hub's copy of it (ctx.findLocation).
 */
export async function sessionTo211(
  session: Session,
  ctx: TranslationContext,
): Promise<Translated<Session211>> {
  const losses: Loss[] = [];
  const { country_code, party_id, ...fields } = session;
  const owner = { countryCode: country_code, partyId: party_id };
  const value = (await fieldsTo211(fields, owner, ctx, losses)) as Session211;
  return { value, losses };
}

/** A 2.2.1 Session PATCH as 2.1.1's; `owner` is the session's CPO (the PATCH URL's party). */
export async function sessionPatchTo211(
  patch: SessionPatch,
  owner: PartyRef,
  ctx: TranslationContext,
): Promise<Translated<Session211Patch>> {
  const losses: Loss[] = [];
  const { country_code: _country, party_id: _party, ...fields } = patch;
  return { value: await fieldsTo211(fields, owner, ctx, losses), losses };
}

async function fieldsTo221(
  session: Session211Patch,
  ctx: TranslationContext,
  losses: Loss[],
): Promise<Partial<Session>> {
  const { location, auth_id: authId, charging_periods: periods, total_cost: cost } = session;
  const fields = { what: TO_221, evse: "evse_uid", connector: "connector_id" };
  const at = location == null ? undefined : chargedAt(location, losses, fields);
  return defined({
    ...unknownFields(session, Session211Schema.shape),
    id: session.id,
    start_date_time: session.start_datetime,
    end_date_time: session.end_datetime,
    kwh: session.kwh,
    cdr_token: authId === undefined ? undefined : await cdrTokenFor(authId, TO_221, ctx),
    auth_method: session.auth_method,
    ...(at === undefined ? {} : idsFrom211(at, TO_221)),
    meter_id: session.meter_id,
    currency: session.currency,
    charging_periods: periods == null ? periods : periodsTo221(periods, "charging_periods", losses),
    total_cost: cost == null ? cost : priceFrom211(cost),
    status: session.status,
    last_updated: session.last_updated,
  });
}

/**
 * A 2.1.1 CPO's Session as 2.2.1's: the CPO is the platform's party
 * (ctx.party), the CdrToken comes from the token index by auth_id, the ids
 * from the location's (first) EVSE and connector.
 */
export async function sessionTo221(
  session: Session211,
  ctx: TranslationContext,
): Promise<Translated<Session>> {
  const losses: Loss[] = [];
  const fields = await fieldsTo221(session, ctx, losses);
  const value = {
    ...fields,
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
  } as Session;
  return { value, losses };
}

/**
 * A 2.1.1 Session PATCH as 2.2.1's; last_updated, which 2.1.1 does not
 * require, is `receivedAt` when absent (withLastUpdated).
 */
export async function sessionPatchTo221(
  patch: Session211Patch,
  ctx: TranslationContext,
  receivedAt: Date,
): Promise<Translated<SessionPatch>> {
  const losses: Loss[] = [];
  const fields = await fieldsTo221(patch, ctx, losses);
  return { value: withLastUpdated(fields, receivedAt) as SessionPatch, losses };
}
