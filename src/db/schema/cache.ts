import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";
import { platforms } from "./platforms.js";

/**
 * The hub's copy of every CPO's locations (locations: Receiver interface),
 * read by eMSPs through "GET All via Hubs". The whole OCPI object is kept as
 * sent; codes and id are stored upper-case for look-ups (CiString).
 * `seq` fixes the order of lists: the order in which the hub first cached
 * each object, which updates do not change. A cached object belongs to the
 * platform hosting its CPO and goes with it.
 *
 * The table keeps its documents out of line (toast_tuple_target, set in the
 * migration), so an update of the narrow columns, such as last_updated after
 * an EVSE status change, does not rewrite the document.
 */
export const locations = pgTable(
  "locations",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    platformId: text("platform_id")
      .notNull()
      .references(() => platforms.id, { onDelete: "cascade" }),
    countryCode: text("country_code").notNull(),
    partyId: text("party_id").notNull(),
    locationId: text("location_id").notNull(),
    /** The location's last_updated, including what EVSE status changes carried up. */
    lastUpdated: timestamp("last_updated", { withTimezone: true, precision: 3 }).notNull(),
    /** false for `publish: false`: never listed to everyone. */
    published: boolean("published").notNull(),
    /** When the hub last wrote or confirmed the row (a sync uses it to find what the CPO dropped). */
    refreshedAt: timestamp("refreshed_at", { withTimezone: true, precision: 3 }).notNull(),
    data: jsonb("data").notNull(),
  },
  (t) => [
    unique("locations_owner_id_key").on(t.countryCode, t.partyId, t.locationId),
    // Lists skip `offset` entries of this index alone (an index-only scan), not of the table.
    index("locations_list_idx").on(t.seq, t.platformId, t.lastUpdated).where(sql`published`),
    // A reader's partners' lists: one probe per partner, read from this index alone.
    index("locations_owner_list_idx").on(t.countryCode, t.partyId, t.seq).where(sql`published`),
    index("locations_location_id_idx").on(t.locationId),
    index("locations_last_updated_idx").on(t.lastUpdated),
    index("locations_platform_idx").on(t.platformId),
    // The few `publish: false` locations, matched against a reader's tokens (publish_allowed_to).
    index("locations_unpublished_idx").on(t.seq).where(sql`not published`),
  ],
);

export type LocationRow = typeof locations.$inferSelect;

/**
 * EVSE statuses that changed after the location's document was written:
 * the most frequent update of all (locations: PATCH, "a simple status
 * update") costs one narrow row, not a rewrite of the document. Reads lay
 * them over the document; the next write of the document folds them in.
 */
export const evseStatuses = pgTable(
  "evse_statuses",
  {
    locationSeq: bigint("location_seq", { mode: "number" })
      .notNull()
      .references(() => locations.seq, { onDelete: "cascade" }),
    /** Upper-case EVSE uid. */
    evseUid: text("evse_uid").notNull(),
    status: text("status").notNull(),
    /** The EVSE's last_updated as the CPO sent it. */
    lastUpdated: text("last_updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.locationSeq, t.evseUid] })],
);

export type EvseStatusRow = typeof evseStatuses.$inferSelect;

/** The hub's copy of every CPO's tariffs (tariffs: Receiver interface); as locations. */
export const tariffs = pgTable(
  "tariffs",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    platformId: text("platform_id")
      .notNull()
      .references(() => platforms.id, { onDelete: "cascade" }),
    countryCode: text("country_code").notNull(),
    partyId: text("party_id").notNull(),
    tariffId: text("tariff_id").notNull(),
    lastUpdated: timestamp("last_updated", { withTimezone: true, precision: 3 }).notNull(),
    refreshedAt: timestamp("refreshed_at", { withTimezone: true, precision: 3 }).notNull(),
    data: jsonb("data").notNull(),
  },
  (t) => [
    unique("tariffs_owner_id_key").on(t.countryCode, t.partyId, t.tariffId),
    index("tariffs_list_idx").on(t.seq, t.platformId, t.lastUpdated),
    index("tariffs_tariff_id_idx").on(t.tariffId),
    index("tariffs_last_updated_idx").on(t.lastUpdated),
    index("tariffs_platform_idx").on(t.platformId),
  ],
);

export type TariffRow = typeof tariffs.$inferSelect;

/**
 * The hub's copy of every token eMSPs push (tokens: Receiver interface),
 * read by CPOs through "GET All via Hubs" and sent on catch-up and resync;
 * as locations and tariffs. A token is identified by uid and type (tokens:
 * Token object); uid and codes are stored upper-case (CiString). It belongs
 * to the platform of the eMSP that pushed it and goes with it. The token
 * index for real-time authorization routing is `tokens` (routing.ts).
 */
export const cachedTokens = pgTable(
  "cached_tokens",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    platformId: text("platform_id")
      .notNull()
      .references(() => platforms.id, { onDelete: "cascade" }),
    countryCode: text("country_code").notNull(),
    partyId: text("party_id").notNull(),
    uid: text("uid").notNull(),
    type: text("type").notNull(),
    lastUpdated: timestamp("last_updated", { withTimezone: true, precision: 3 }).notNull(),
    refreshedAt: timestamp("refreshed_at", { withTimezone: true, precision: 3 }).notNull(),
    data: jsonb("data").notNull(),
  },
  (t) => [
    unique("cached_tokens_owner_id_key").on(t.countryCode, t.partyId, t.uid, t.type),
    index("cached_tokens_list_idx").on(t.seq, t.platformId, t.lastUpdated),
    index("cached_tokens_last_updated_idx").on(t.lastUpdated),
    index("cached_tokens_platform_idx").on(t.platformId),
    // The three ways a PublishTokenType names tokens (locations: PublishTokenType class).
    index("cached_tokens_uid_idx").on(t.uid, t.type),
    index("cached_tokens_visual_number_idx").on(sql`(${t.data}->>'visual_number')`),
    index("cached_tokens_group_id_idx").on(sql`upper(${t.data}->>'group_id')`),
    // A 2.1.1 Session or CDR names its token by auth_id, 2.2.1's contract_id (tokenByReference).
    index("cached_tokens_contract_id_idx").on(sql`upper(${t.data}->>'contract_id')`),
  ],
);

export type CachedTokenRow = typeof cachedTokens.$inferSelect;

/**
 * How many listed objects each platform has in the cache (locations:
 * published ones only), kept by triggers (see the migration), so a list's
 * X-Total-Count without date filters costs a look-up instead of a count.
 */
export const cacheCounts = pgTable(
  "cache_counts",
  {
    module: text("module", { enum: ["locations", "tariffs", "tokens"] }).notNull(),
    platformId: text("platform_id").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.module, t.platformId] })],
);

export const SYNC_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED"] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];
export const SYNC_TRIGGERS = ["connect", "resume", "admin", "start"] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

/**
 * The last pull of a CPO's locations and tariffs into the cache, one row
 * per platform: its progress while it runs, its outcome after. The row is
 * also the claim: one instance syncs a platform at a time.
 */
export const cacheSyncs = pgTable("cache_syncs", {
  platformId: text("platform_id")
    .primaryKey()
    .references(() => platforms.id, { onDelete: "cascade" }),
  status: text("status", { enum: SYNC_STATUSES }).notNull(),
  trigger: text("trigger", { enum: SYNC_TRIGGERS }).notNull(),
  /** The instance running it; with heartbeat_at, lets another take over a sync whose instance died. */
  instanceId: text("instance_id").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true, precision: 3 }).notNull(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, precision: 3 }).notNull(),
  finishedAt: timestamp("finished_at", { withTimezone: true, precision: 3 }),
  pages: integer("pages").notNull().default(0),
  locations: integer("locations").notNull().default(0),
  tariffs: integer("tariffs").notNull().default(0),
  skipped: integer("skipped").notNull().default(0),
  removed: integer("removed").notNull().default(0),
  error: text("error"),
});

export type CacheSyncRow = typeof cacheSyncs.$inferSelect;
