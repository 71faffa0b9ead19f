import type { CdrToken } from "../../ocpi/schemas/cdrs.js";
import {
  type AuthorizationInfo,
  AuthorizationInfoSchema,
  type LocationReferences,
  type Token,
  type TokenPatch,
  TokenSchema,
  TokenType,
} from "../../ocpi/schemas/tokens.js";
import { lose, loseExtras, present, refuse, under, within } from "./fields.js";
import {
  type AuthorizationInfo211,
  AuthorizationInfo211Schema,
  type LocationReferences211,
  type Token211,
  type Token211Patch,
  Token211Schema,
  type TokenType211,
} from "./schemas/tokens.js";
import type { Loss, Translated, TranslationContext } from "./translation.js";

/**
 * Token, AuthorizationInfo and LocationReferences between the versions
 * (docs/ocpi-2.1.1/tokens.md), and the CdrToken a 2.1.1 Session or CDR
 * implies. 2.1.1's auth_id is 2.2.1's contract_id.
 */

/** 2.2.1 token types 2.1.1 lacks travel as OTHER ("Other type of token"). */
function type211(type: TokenType, losses: Loss[]): TokenType211 {
  if (type === "RFID" || type === "OTHER") return type;
  losses.push({ field: "type", reason: `value ${type} not in 2.1.1; sent as OTHER` });
  return "OTHER";
}

function tokenFieldsTo211(token: Partial<Token>, losses: Loss[]): Partial<Token211> {
  loseExtras(token, TokenSchema.shape, losses);
  lose(losses, "group_id", token.group_id, "no 2.1.1 field");
  lose(losses, "default_profile_type", token.default_profile_type, "no 2.1.1 field");
  lose(losses, "energy_contract", token.energy_contract, "no 2.1.1 field");
  return present({
    uid: token.uid,
    type: token.type === undefined ? undefined : type211(token.type, losses),
    auth_id: token.contract_id,
    visual_number: token.visual_number,
    issuer: token.issuer,
    valid: token.valid,
    whitelist: token.whitelist,
    language: token.language,
    last_updated: token.last_updated,
  });
}

function tokenFieldsTo221(token: Partial<Token211>, losses: Loss[]): Partial<Token> {
  loseExtras(token, Token211Schema.shape, losses);
  return present({
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
  return { value: tokenFieldsTo211(token, losses) as Token211, losses };
}

/** A 2.1.1 eMSP's Token as 2.2.1's: the eMSP is the 2.1.1 platform's party (ctx.party). */
export function tokenTo221(token: Token211, ctx: TranslationContext): Translated<Token> {
  const losses: Loss[] = [];
  const value = {
    country_code: ctx.party.countryCode,
    party_id: ctx.party.partyId,
    ...tokenFieldsTo221(token, losses),
  } as Token;
  return { value, losses };
}

/** A 2.2.1 Token PATCH as 2.1.1's (the fields it has, mapped as in a full Token). */
export function tokenPatchTo211(patch: TokenPatch): Translated<Token211Patch> {
  const losses: Loss[] = [];
  const { country_code: _country, party_id: _party, ...fields } = patch;
  return { value: tokenFieldsTo211(fields, losses), losses };
}

/**
 * A 2.1.1 Token PATCH as 2.2.1's. 2.2.1 requires last_updated, 2.1.1 does
 * not: without one, it is `receivedAt`, when the hub learnt of the change.
 */
export function tokenPatchTo221(patch: Token211Patch, receivedAt: Date): Translated<TokenPatch> {
  const losses: Loss[] = [];
  const fields = tokenFieldsTo221(patch, losses);
  return {
    value: { ...fields, last_updated: fields.last_updated ?? receivedAt.toISOString() },
    losses,
  };
}

/**
 * The CdrToken of a 2.1.1 Session or CDR, which names only the token's
 * auth_id: derived from the hub's token index. Refused naming cdr_token
 * when the hub knows no such token (it never invents the eMSP).
 */
export async function cdrTokenFor(authId: string, ctx: TranslationContext): Promise<CdrToken> {
  const known = await ctx.findToken?.(authId);
  if (known === undefined)
    refuse(
      "cdr_token",
      `the hub knows no token with auth_id ${JSON.stringify(authId)}, so the eMSP cannot be named`,
    );
  const type = TokenType.safeParse(known.type);
  if (!type.success) refuse("cdr_token.type", `the token index holds type ${known.type}`);
  return {
    country_code: known.owner.countryCode,
    party_id: known.owner.partyId,
    uid: known.uid,
    type: type.data,
    contract_id: known.contract_id,
  };
}

/** 2.2.1 LocationReferences as 2.1.1's (which could also name connectors; 2.2.1 never does). */
export function locationReferencesTo211(refs: LocationReferences): LocationReferences211 {
  return present({ location_id: refs.location_id, evse_uids: refs.evse_uids ?? undefined });
}

/** 2.1.1 LocationReferences as 2.2.1's; connector_ids has no 2.2.1 field. */
export function locationReferencesTo221(
  refs: LocationReferences211,
  losses: Loss[],
  path = "",
): LocationReferences {
  const at = path === "" ? "" : `${path}.`;
  lose(losses, `${at}connector_ids`, refs.connector_ids, "no 2.2.1 field");
  return present({
    location_id: within(refs.location_id, 36, `${at}location_id`),
    evse_uids: refs.evse_uids?.map((uid, i) => within(uid, 36, `${at}evse_uids[${i}]`)),
  });
}

/**
 * A 2.2.1 AuthorizationInfo as 2.1.1's. Its token is the one the 2.1.1
 * CPO asked about (the request URL names it), so it is not a loss; the
 * authorization_reference is.
 */
export function authorizationInfoTo211(info: AuthorizationInfo): Translated<AuthorizationInfo211> {
  const losses: Loss[] = [];
  loseExtras(info, AuthorizationInfoSchema.shape, losses);
  lose(losses, "authorization_reference", info.authorization_reference, "no 2.1.1 field");
  const value = present({
    allowed: info.allowed,
    location: info.location == null ? undefined : locationReferencesTo211(info.location),
    info: info.info ?? undefined,
  });
  return { value, losses };
}

/**
 * A 2.1.1 AuthorizationInfo as 2.2.1's, which requires the complete Token
 * the authorization was asked for: `token`, the hub's 2.2.1 copy of the
 * token named in the request. Refused naming token when the hub has none.
 */
export function authorizationInfoTo221(
  info: AuthorizationInfo211,
  token: Token | undefined,
): Translated<AuthorizationInfo> {
  if (token === undefined)
    refuse("token", "the hub holds no copy of the token asked about, which 2.2.1 requires");
  const losses: Loss[] = [];
  loseExtras(info, AuthorizationInfo211Schema.shape, losses);
  const value = present({
    allowed: info.allowed,
    token,
    location:
      info.location == null
        ? undefined
        : locationReferencesTo221(info.location, losses, "location"),
    info: info.info ?? undefined,
  });
  return { value, losses };
}

/** A 2.1.1 Token inside a command as 2.2.1's: its losses named under `path`. */
export function nestedTokenTo221(
  token: Token211,
  ctx: TranslationContext,
  path: string,
): Translated<Token> {
  const translated = tokenTo221(token, ctx);
  return { value: translated.value, losses: under(path, translated.losses) };
}

/** A 2.2.1 Token inside a command as 2.1.1's: its losses named under `path`. */
export function nestedTokenTo211(token: Token, path: string): Translated<Token211> {
  const translated = tokenTo211(token);
  return { value: translated.value, losses: under(path, translated.losses) };
}
