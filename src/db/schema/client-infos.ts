import { index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The hub's own ClientInfo objects (hubclientinfo), one per party that was
 * ever invited. They are never deleted: a removed party stays SUSPENDED
 * (hubclientinfo: Push model).
 */
export const clientInfos = pgTable(
  "client_infos",
  {
    countryCode: text("country_code").notNull(),
    partyId: text("party_id").notNull(),
    role: text("role").notNull(),
    status: text("status", { enum: ["CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"] }).notNull(),
    lastUpdated: timestamp("last_updated", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.countryCode, t.partyId, t.role] }),
    index("client_infos_last_updated_idx").on(t.lastUpdated),
  ],
);

export type ClientInfoRow = typeof clientInfos.$inferSelect;
