import { boolean, index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { platforms } from "./platforms.js";

/**
 * Tokens eMSPs pushed through the hub, for open routing of real-time
 * authorization (tokens: POST authorize) to the eMSP that owns a uid. Codes
 * and uid are stored upper-case (CiStrings compare case-insensitively). The
 * codes are an EMSP's; the row goes with the platform that pushed it, and
 * `first_seen_at` orders competing claims on one uid.
 */
export const tokens = pgTable(
  "tokens",
  {
    platformId: text("platform_id")
      .notNull()
      .references(() => platforms.id, { onDelete: "cascade" }),
    countryCode: text("country_code").notNull(),
    partyId: text("party_id").notNull(),
    uid: text("uid").notNull(),
    type: text("type").notNull(),
    valid: boolean("valid").notNull(),
    lastUpdated: text("last_updated").notNull(),
    seenAt: timestamp("seen_at", { withTimezone: true, precision: 3 }).notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.countryCode, t.partyId, t.uid, t.type] }),
    index("tokens_uid_idx").on(t.uid, t.type),
    index("tokens_platform_idx").on(t.platformId),
    index("tokens_seen_at_idx").on(t.seenAt),
  ],
);

/**
 * What the hub learned from traffic it routed, so that later messages
 * without OCPI-to reach the right party:
 * - `location`: a CPO's location (owner = the CPO, target = the CPO);
 * - `session`: a CPO's session (owner = the CPO, target = the party it was sent to);
 * - `reservation`: an eMSP's RESERVE_NOW (owner = the eMSP, target = the CPO);
 * - `profile`: a charging profile set on a CPO's session (owner = the CPO, target = the setter).
 * Codes and object ids are stored upper-case (CiString). Each kind's owner
 * holds one role (a location's or session's owner is a CPO, a reservation's
 * an eMSP), so kind and codes name a party in its role. A hint goes with the
 * platform whose request taught it, and `created_at` orders competing
 * claims on one object id.
 */
export const routeHints = pgTable(
  "route_hints",
  {
    kind: text("kind", { enum: ["location", "session", "reservation", "profile"] }).notNull(),
    platformId: text("platform_id")
      .notNull()
      .references(() => platforms.id, { onDelete: "cascade" }),
    countryCode: text("country_code").notNull(),
    partyId: text("party_id").notNull(),
    objectId: text("object_id").notNull(),
    targetCountryCode: text("target_country_code").notNull(),
    targetPartyId: text("target_party_id").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.countryCode, t.partyId, t.objectId] }),
    index("route_hints_object_idx").on(t.kind, t.objectId),
    index("route_hints_platform_idx").on(t.platformId),
    index("route_hints_updated_at_idx").on(t.updatedAt),
  ],
);

/**
 * An asynchronous result the hub expects on one of its own URLs: the
 * response_url of a command or charging-profile request it replaced, with
 * the original URL and the parties on both sides (commands: Sender
 * interface; chargingprofiles: Sender interface).
 */
export const callbacks = pgTable(
  "callbacks",
  {
    id: text("id").primaryKey(),
    module: text("module", { enum: ["commands", "chargingprofiles"] }).notNull(),
    /** The command type, or GET / PUT / DELETE for charging profiles: it decides the result's schema. */
    purpose: text("purpose").notNull(),
    originalUrl: text("original_url").notNull(),
    /** The party that asked (an eMSP or SCSP) and will get the result. */
    senderPlatformId: text("sender_platform_id").notNull(),
    senderCountryCode: text("sender_country_code").notNull(),
    senderPartyId: text("sender_party_id").notNull(),
    /** The CPO the request went to, the only one allowed to post the result. */
    receiverPlatformId: text("receiver_platform_id").notNull(),
    receiverCountryCode: text("receiver_country_code").notNull(),
    receiverPartyId: text("receiver_party_id").notNull(),
    /** A reservation's callback takes results until it expires; others take one. */
    reusable: boolean("reusable").notNull().default(false),
    usedAt: timestamp("used_at", { withTimezone: true, precision: 3 }),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [index("callbacks_expires_at_idx").on(t.expiresAt)],
);

export type CallbackRow = typeof callbacks.$inferSelect;

/**
 * The Location an eMSP gave for a CDR posted through the hub, behind the hub
 * URL the CPO got instead (cdrs: POST response headers).
 */
export const cdrLinks = pgTable("cdr_links", {
  id: text("id").primaryKey(),
  emspPlatformId: text("emsp_platform_id").notNull(),
  emspCountryCode: text("emsp_country_code").notNull(),
  emspPartyId: text("emsp_party_id").notNull(),
  cpoCountryCode: text("cpo_country_code").notNull(),
  cpoPartyId: text("cpo_party_id").notNull(),
  url: text("url").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
});

export type CdrLinkRow = typeof cdrLinks.$inferSelect;
