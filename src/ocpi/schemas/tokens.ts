import { z } from "zod";
import {
  DisplayTextSchema,
  EnergyContractSchema,
  Language,
  List,
  ProfileType,
  TokenType,
} from "./common.js";
import { CiString, CountryCode, DateTime, PartyId, Str } from "./primitives.js";

export { EnergyContractSchema, TokenType } from "./common.js";

/** tokens: AllowedType enum. */
export const AllowedType = z.enum(["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]);
export type AllowedType = z.infer<typeof AllowedType>;

/** tokens: WhitelistType enum. */
export const WhitelistType = z.enum(["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]);

/** tokens: Token object. */
export const TokenSchema = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  uid: CiString(36),
  type: TokenType,
  contract_id: CiString(36),
  visual_number: Str(64).nullish(),
  issuer: Str(64),
  group_id: CiString(36).nullish(),
  valid: z.boolean(),
  whitelist: WhitelistType,
  language: Language.nullish(),
  default_profile_type: ProfileType.nullish(),
  energy_contract: EnergyContractSchema.nullish(),
  last_updated: DateTime,
});
export type Token = z.infer<typeof TokenSchema>;

/** tokens: PATCH body on a Token — any Token fields, `last_updated` required. */
export const TokenPatchSchema = TokenSchema.partial().extend({ last_updated: DateTime });
export type TokenPatch = z.infer<typeof TokenPatchSchema>;

/** tokens: LocationReferences class, the optional body of a real-time authorization. */
export const LocationReferencesSchema = z.looseObject({
  location_id: CiString(36),
  evse_uids: List(CiString(36)),
});
export type LocationReferences = z.infer<typeof LocationReferencesSchema>;

/** tokens: AuthorizationInfo object, the answer to a real-time authorization. */
export const AuthorizationInfoSchema = z.looseObject({
  allowed: AllowedType,
  token: TokenSchema,
  location: LocationReferencesSchema.nullish(),
  authorization_reference: CiString(36).nullish(),
  info: DisplayTextSchema.nullish(),
});
export type AuthorizationInfo = z.infer<typeof AuthorizationInfoSchema>;
