import { z } from "zod";
import { DisplayTextSchema, Language, List } from "../../../ocpi/schemas/common.js";
import { CiString, DateTime, Str } from "../../../ocpi/schemas/primitives.js";
import { AllowedType, WhitelistType } from "../../../ocpi/schemas/tokens.js";

/** 2.1.1 mod_tokens: Allowed enum — the same values as 2.2.1's AllowedType. */
export const Allowed211 = AllowedType;

/** 2.1.1 mod_tokens: WhitelistType enum — the same values as 2.2.1's. */
export const WhitelistType211 = WhitelistType;

/** 2.1.1 mod_tokens: TokenType enum (2.2.1 adds AD_HOC_USER and APP_USER). */
export const TokenType211 = z.enum(["OTHER", "RFID"]);
export type TokenType211 = z.infer<typeof TokenType211>;

/** 2.1.1 mod_tokens: Token object (`auth_id` is 2.2.1's `contract_id`). */
export const Token211Schema = z.looseObject({
  uid: CiString(36),
  type: TokenType211,
  auth_id: CiString(36),
  visual_number: Str(64).nullish(),
  issuer: Str(64),
  valid: z.boolean(),
  whitelist: WhitelistType211,
  language: Language.nullish(),
  last_updated: DateTime,
});
export type Token211 = z.infer<typeof Token211Schema>;

/**
 * 2.1.1 mod_tokens: PATCH body — any Token fields. Unlike 2.2.1, 2.1.1
 * does not require `last_updated` (its own example has none).
 */
export const Token211PatchSchema = Token211Schema.partial();
export type Token211Patch = z.infer<typeof Token211PatchSchema>;

/** 2.1.1 mod_tokens: LocationReferences class (2.1.1 adds connector_ids). */
export const LocationReferences211Schema = z.looseObject({
  location_id: CiString(39),
  evse_uids: List(CiString(39)),
  connector_ids: List(CiString(36)),
});
export type LocationReferences211 = z.infer<typeof LocationReferences211Schema>;

/** 2.1.1 mod_tokens: AuthorizationInfo object (no token, no authorization_reference). */
export const AuthorizationInfo211Schema = z.looseObject({
  allowed: Allowed211,
  location: LocationReferences211Schema.nullish(),
  info: DisplayTextSchema.nullish(),
});
export type AuthorizationInfo211 = z.infer<typeof AuthorizationInfo211Schema>;
