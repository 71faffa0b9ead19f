import { z } from "zod";
import { BusinessDetailsSchema } from "../../../ocpi/schemas/credentials.js";
import { CountryCode, PartyId, Url } from "../../../ocpi/schemas/primitives.js";

/**
 * 2.1.1 credentials: Credentials object — one party per connection, its
 * role not in the object (the operator states it when inviting the
 * platform). BusinessDetails is the same class in both versions.
 */
export const Credentials211Schema = z.object({
  token: z
    .string()
    .min(1, "must not be empty")
    .max(64, "must be at most 64 characters")
    .regex(/^[\x21-\x7e]+$/, "must consist of printable ASCII characters without spaces"),
  url: Url,
  business_details: BusinessDetailsSchema,
  party_id: PartyId,
  country_code: CountryCode,
});
export type Credentials211 = z.infer<typeof Credentials211Schema>;
