import { sql } from "drizzle-orm";
import { pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Named admin bearer tokens the operator issued through the admin API. Only
 * the token's SHA-256 is kept; the token itself is shown once, on issue.
 * The bootstrap token (ADMIN_TOKEN, or the generated one) is not a row here.
 */
export const adminTokens = pgTable(
  "admin_tokens",
  {
    id: text("id").primaryKey(),
    /** Shown as the actor in the audit log; unique among unrevoked tokens. */
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    /** The name of the token that issued it. */
    createdBy: text("created_by").notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, precision: 3 }),
    revokedBy: text("revoked_by"),
  },
  (t) => [uniqueIndex("admin_tokens_live_name_idx").on(t.name).where(sql`${t.revokedAt} is null`)],
);

export type AdminTokenRow = typeof adminTokens.$inferSelect;
