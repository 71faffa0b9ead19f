import type { CdrToken } from "../../ocpi/schemas/cdrs.js";
import {
  type AuthorizationInfo,
  type LocationReferences,
  LocationReferencesSchema,
  type Token,
  type TokenPatch,
  TokenSchema,
  TokenType,
} from "../../ocpi/schemas/tokens.js";
import {
  defined,
  given,
  lose,
  refusal,
  substitute,
  under,
  unknownFields,
  within,
  withLastUpdated,
} from "./mapping.js";
import {
  type AuthorizationInfo211,
  type LocationReferences211,
  LocationReferences211Schema,
  type Token211,
  type Token211Patch,
  Token211Schema,
  type TokenType211,
} from "./schemas/tokens.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * Token, AuthorizationInfo and LocationReferences, OCPI 2.1.1 ⇄ 2.2.1, as
 * docs/ocpi-2.1.1/tokens.md lists field by field, and the CdrToken a 2.1.1
 * Session or CDR implies. 2.1.1's auth_id is 2.2.1's contract_id.
 */

const AUTHORIZATION_TO_221 = "AuthorizationInfo for OCPI 2.2.1";
const REFERENCES_TO_221 = "LocationReferences for OCPI 2.2.1";

/** 2.2.1 token types 2.1.1 lacks travel as OTHER ("Other type of token"). */
const TYPE_211: Partial<Record<string, TokenType211>> = { AD_HOC_USER: "OTHER", APP_USER: "OTHER" };

function fieldsTo211(token: Partial<Token>, losses: Loss[]): Token211Patch {
  lose(losses, "group_id", token.group_id, "no OCPI 2.1.1 equivalent");
  lose(losses, "default_profile_type", token.default_profile_type, "no OCPI 2.1.1 equivalent");
  lose(losses, "energy_contract", token.energy_contract, "no OCPI 2.1.1 equivalent");
  const { type } = token;
  return defined({
    ...unknownFields(token, TokenSchema.shape),
    uid: token.uid,
    type: type === undefined ? undefined : substitute(type, TYPE_211, "type", "2.1.1", losses),
    auth_id: token.contract_id,
    visual_number: token.visual_number,
    issuer: token.issuer,
    valid: token.valid,
    whitelist: token.whitelist,
    language: token.language,
    last_updated: token.last_updated,
  });
}

function fieldsTo221(token: Token211Patch): Partial<Token> {
  return defined({
    ...unknownFields(token, Token211Schema.shape),
    uid: token.uid,
    type: token.type,
    contract_id: token.auth_id,
    visual_number: token.visual_number,
    issuer: token.issuer,
    valid: token.valid,
    whitelist: token.whitelist,
    language: token.language,
    last_updated: token.last_updated,
  });
}

/**
 * A 2.2.1 Token as 2.1.1's. Its country_code and party_id are the eMSP's,
 * which a 2.1.1 push carries in its URL (tokens/{country_code}/{party_id}/{uid}).
 */
export function tokenTo211(token: Token): Translated<Token211> {
  const losses: Loss[] = [];
  const { country_code: _country, party_id: _party, ...fields } = token;
  return { value: fieldsTo211(fields, losses) as Token211, losses };
}

/** A 2.1.1 eMSP's Token as 2.2.1's: the eMSP is the 2.1.1 platform's party (ctx.party). */
export function tokenTo221(token: Token211, ctx: TranslationContext): Translated<Token> {
  const value = {
    ...fieldsTo221(token),
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
  } as Token;
  return { value, losses: [] };
}

/** A 2.2.1 Token PATCH as 2.1.1's. */
export function tokenPatchTo211(patch: TokenPatch): Translated<Token211Patch> {
  const losses: Loss[] = [];
  const { country_code: _country, party_id: _party, ...fields } = patch;
  return { value: fieldsTo211(fields, losses), losses };
}

/**
 * A 2.1.1 Token PATCH as 2.2.1's; last_updated, which 2.1.1 does not
 * require, is `receivedAt` when absent (withLastUpdated).
 */
export function tokenPatchTo221(patch: Token211Patch, receivedAt: Date): Translated<TokenPatch> {
  return { value: withLastUpdated(fieldsTo221(patch), receivedAt) as TokenPatch, losses: [] };
}

/** A 2.2.1 Token inside a command as 2.1.1's, its losses under `path`. */
export function nestedTokenTo211(token: Token, path: string): Translated<Token211> {
  const translated = tokenTo211(token);
  return { value: translated.value, losses: under(path, translated.losses) };
}

/**
 * The CdrToken of a 2.1.1 Session or CDR, which names only the token's
 * auth_id: derived from the hub's token index (ctx.findToken). Refused
 * naming cdr_token when the hub knows no such token: it never invents the
 * eMSP. `what` names the object translated.
 */
export async function cdrTokenFor(
  authId: string,
  what: string,
  ctx: TranslationContext,
): Promise<CdrToken> {
  const known = await ctx.findToken?.(authId);
  if (known === undefined)
    throw refusal(
      what,
      "cdr_token",
      `the hub knows no token with auth_id ${JSON.stringify(authId)}`,
    );
  const type = TokenType.safeParse(known.type);
  if (!type.success)
    throw refusal(
      what,
      "cdr_token.type",
      `the token index holds ${known.type}, no OCPI 2.2.1 TokenType`,
    );
  return {
    country_code: known.owner.countryCode,
    party_id: known.owner.partyId,
    uid: known.uid,
    type: type.data,
    contract_id: known.contract_id,
  };
}

/** 2.2.1 LocationReferences as 2.1.1's (which could also name connectors; 2.2.1 never does). */
export function locationReferencesTo211(
  refs: LocationReferences,
): Translated<LocationReferences211> {
  const value = defined({
    ...unknownFields(refs, LocationReferencesSchema.shape),
    location_id: refs.location_id,
    evse_uids: refs.evse_uids,
  });
  return { value, losses: [] };
}

/** 2.1.1 LocationReferences as 2.2.1's; connector_ids has no 2.2.1 field, ids over 36 characters are refused. */
export function locationReferencesTo221(
  refs: LocationReferences211,
): Translated<LocationReferences> {
  const losses: Loss[] = [];
  lose(losses, "connector_ids", refs.connector_ids, "no OCPI 2.2.1 equivalent");
  const what = REFERENCES_TO_221;
  const value = defined({
    ...unknownFields(refs, LocationReferences211Schema.shape),
    location_id: within(refs.location_id, 36, what, "location_id"),
    evse_uids: refs.evse_uids?.map((uid, i) => within(uid, 36, what, `evse_uids[${i}]`)),
  });
  return { value, losses };
}

/**
 * A 2.2.1 AuthorizationInfo as 2.1.1's. Its token is the one the 2.1.1 CPO
 * asked about (the request URL names it): not a Loss. The
 * authorization_reference is.
 */
export function authorizationInfoTo211(info: AuthorizationInfo): Translated<AuthorizationInfo211> {
  const losses: Loss[] = [];
  lose(losses, "authorization_reference", info.authorization_reference, "no OCPI 2.1.1 equivalent");
  const { token: _token, authorization_reference: _reference, location, ...rest } = info;
  const value = defined({
    ...rest,
    location: given(location) ? locationReferencesTo211(location).value : location,
  });
  return { value, losses };
}

/**
 * A 2.1.1 AuthorizationInfo as 2.2.1's, which requires the complete Token
 * the authorization was asked for: `token`, the hub's 2.2.1 copy of the
 * token the request named. Refused naming token when the hub has none.
 */
export function authorizationInfoTo221(
  info: AuthorizationInfo211,
  token: Token | undefined,
): Translated<AuthorizationInfo> {
  if (token === undefined)
    throw refusal(
      AUTHORIZATION_TO_221,
      "token",
      "required by OCPI 2.2.1; the hub holds no copy of the token asked about",
    );
  const losses: Loss[] = [];
  const { location, ...rest } = info;
  const references = given(location) ? locationReferencesTo221(location) : undefined;
  if (references !== undefined) losses.push(...under("location", references.losses));
  const value = defined({
    ...rest,
    token,
    location: references === undefined ? location : references.value,
  });
  return { value: value as AuthorizationInfo, losses };
}
