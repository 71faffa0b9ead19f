import { bigint, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** A platform's state in the registry; see architecture.md, admin API. */
export const PLATFORM_STATUSES = ["PENDING", "CONNECTED", "SUSPENDED", "OFFLINE"] as const;
export type PlatformStatus = (typeof PLATFORM_STATUSES)[number];

export interface StoredEndpoint {
  identifier: string;
  role: "SENDER" | "RECEIVER";
  url: string;
}

/**
 * One OCPI connection: one credentials exchange and one token pair, for every
 * party (role) the platform hosts.
 */
export const platforms = pgTable("platforms", {
  id: text("id").primaryKey(),
  /** Assigned by the database in invitation order; lists sort by it whatever the clocks say. */
  seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity().notNull().unique(),
  name: text("name").notNull(),
  status: text("status", { enum: PLATFORM_STATUSES }).notNull().default("PENDING"),
  /** The OCPI version agreed in the handshake; null until registered. */
  version: text("version"),
  /** The platform's versions URL, as it gave it in the handshake. */
  versionsUrl: text("versions_url"),
  /** The platform's endpoints for `version`, from its version details. */
  endpoints: jsonb("endpoints").$type<StoredEndpoint[]>().notNull().default([]),
  /**
   * The token the platform issued to the hub (the hub's credentials towards
   * it); AES-256-GCM encrypted when TOKEN_ENCRYPTION_KEY is set (registry/token-seal.ts).
   */
  outboundToken: text("outbound_token"),
  /** Whether the platform expects that token Base64-encoded (2.2.1) or raw (older peers). */
  outboundTokenEncoding: text("outbound_token_encoding", { enum: ["base64", "raw"] })
    .notNull()
    .default("base64"),
  /** SHA-256 of the token the hub issued to the platform; the platform presents it to the hub. */
  inboundTokenHash: text("inbound_token_hash").unique(),
  /**
   * SHA-256 of a token the hub issued that the platform has not put to use
   * yet: the bootstrap Token A while unregistered; once registered, the new
   * token of a rotation in flight (registry/store-rotations.ts).
   */
  tokenAHash: text("token_a_hash").unique(),
  /** The last handshake or connection failure, for the operator. */
  lastError: text("last_error"),
  registeredAt: timestamp("registered_at", { withTimezone: true, precision: 3 }),
  createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
});

export type PlatformRow = typeof platforms.$inferSelect;
