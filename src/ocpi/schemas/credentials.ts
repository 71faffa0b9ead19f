import { z } from "zod";
import { TOLERANCE, tolerated } from "../tolerance.js";
import { CiString, CountryCode, PartyId, Role, Str, Url } from "./primitives.js";

/** locations: ImageCategory. */
export const ImageCategory = z.enum([
  "CHARGER",
  "ENTRANCE",
  "LOCATION",
  "NETWORK",
  "OPERATOR",
  "OTHER",
  "OWNER",
]);

/** An image format name or MIME type such as image/png (tolerance rule image-type). */
const IMAGE_TYPE = /^(image\/)?[a-z0-9][a-z0-9.+-]*$/i;

/** locations: Image class; a longer `type`, such as a MIME type, is tolerated (TOLERANCE.imageType). */
export const ImageSchema = z.object({
  url: Url,
  thumbnail: Url.nullish(),
  category: ImageCategory,
  type: tolerated(
    CiString(4),
    TOLERANCE.imageType,
    (value) => value.length <= 100 && IMAGE_TYPE.test(value),
  ),
  width: z.number().int().min(0).max(99_999).nullish(),
  height: z.number().int().min(0).max(99_999).nullish(),
});

/** locations: BusinessDetails class. */
export const BusinessDetailsSchema = z.object({
  name: Str(100).min(1, "must not be empty"),
  website: Url.nullish(),
  logo: ImageSchema.nullish(),
});
export type BusinessDetails = z.infer<typeof BusinessDetailsSchema>;

/** credentials: CredentialsRole class. */
export const CredentialsRoleSchema = z.object({
  role: Role,
  business_details: BusinessDetailsSchema,
  party_id: PartyId,
  country_code: CountryCode,
});
export type CredentialsRole = z.infer<typeof CredentialsRoleSchema>;

/** credentials: Credentials object. */
export const CredentialsSchema = z.object({
  token: z
    .string()
    .min(1, "must not be empty")
    .max(64, "must be at most 64 characters")
    .regex(/^[\x21-\x7e]+$/, "must consist of printable ASCII characters without spaces"),
  url: Url,
  roles: z.array(CredentialsRoleSchema).min(1, "must list at least one role"),
});
export type Credentials = z.infer<typeof CredentialsSchema>;
