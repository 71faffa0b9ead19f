import { index, jsonb, pgTable, serial, text, unique } from "drizzle-orm/pg-core";
import type { BusinessDetails } from "../../ocpi/schemas/credentials.js";
import { platforms } from "./platforms.js";

/**
 * A party (role, country_code, party_id) hosted by a platform. The triple is
 * unique across the hub (credentials: Credentials object); codes are stored
 * upper-case because CiStrings compare case-insensitively.
 */
export const parties = pgTable(
  "parties",
  {
    id: serial("id").primaryKey(),
    platformId: text("platform_id")
      .notNull()
      .references(() => platforms.id, { onDelete: "cascade" }),
    role: text("role").notNull(),
    countryCode: text("country_code").notNull(),
    partyId: text("party_id").notNull(),
    /** From the platform's CredentialsRole once it registered. */
    businessDetails: jsonb("business_details").$type<BusinessDetails>(),
  },
  (t) => [
    unique("parties_role_country_party_key").on(t.role, t.countryCode, t.partyId),
    index("parties_platform_idx").on(t.platformId),
  ],
);

export type PartyRow = typeof parties.$inferSelect;
