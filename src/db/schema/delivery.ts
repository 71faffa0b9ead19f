import { bigint, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { platforms } from "./platforms.js";

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * Hub instances that run delivery workers, each with a heartbeat: the live
 * ones share the recipients between them.
 */
export const hubInstances = pgTable("hub_instances", {
  id: text("id").primaryKey(),
  startedAt: at("started_at").notNull(),
  heartbeatAt: at("heartbeat_at").notNull(),
});

/**
 * One row per recipient platform: which instance delivers to it (a lease,
 * so that updates of one object never travel through two instances at
 * once), and what the admin API shows of its deliveries.
 */
export const deliveryRecipients = pgTable("delivery_recipients", {
  platformId: text("platform_id")
    .primaryKey()
    .references(() => platforms.id, { onDelete: "cascade" }),
  owner: text("owner"),
  leaseUntil: at("lease_until"),
  delivered: bigint("delivered", { mode: "number" }).notNull().default(0),
  dropped: bigint("dropped", { mode: "number" }).notNull().default(0),
  retrying: integer("retrying").notNull().default(0),
  lastError: text("last_error"),
  lastErrorAt: at("last_error_at"),
  lastSuccessAt: at("last_success_at"),
  /** First failure since the last success; past the window the recipient goes OFFLINE. */
  failingSince: at("failing_since"),
  /** When it was marked OFFLINE; what changed since then is sent on its return. */
  offlineSince: at("offline_since"),
});

export type DeliveryRecipientRow = typeof deliveryRecipients.$inferSelect;

/**
 * Delivery attempts per minute, every instance's added in: the console's
 * deliveries chart. Each instance adds what it counted at its counter
 * flush (delivery/minutes.ts); a day is kept.
 */
export const deliveryMinutes = pgTable("delivery_minutes", {
  minute: at("minute").primaryKey(),
  delivered: bigint("delivered", { mode: "number" }).notNull().default(0),
  other: bigint("other", { mode: "number" }).notNull().default(0),
});
