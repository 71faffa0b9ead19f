import { bigint, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const AGREEMENT_STATUSES = ["ACTIVE", "SUSPENDED", "ENDED"] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/**
 * A roaming agreement the hub operator recorded: which modules one CPO
 * party exchanges with one eMSP party, and from when until when. Parties
 * are named by their codes (stored upper-case, CiString), not by platform:
 * an agreement outlives a platform's move or re-invitation.
 */
export const agreements = pgTable(
  "agreements",
  {
    id: text("id").primaryKey(),
    /** Assigned in creation order; lists sort by it. */
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity().notNull().unique(),
    cpoCountryCode: text("cpo_country_code").notNull(),
    cpoPartyId: text("cpo_party_id").notNull(),
    emspCountryCode: text("emsp_country_code").notNull(),
    emspPartyId: text("emsp_party_id").notNull(),
    /** Module identifiers (modules/index.ts), never empty: "all" is stored as the full list. */
    modules: jsonb("modules").$type<string[]>().notNull(),
    status: text("status", { enum: AGREEMENT_STATUSES }).notNull(),
    validFrom: timestamp("valid_from", { withTimezone: true, precision: 3 }),
    validUntil: timestamp("valid_until", { withTimezone: true, precision: 3 }),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
    /** Who made the last change, and from where (the audit log has every change). */
    changedBy: text("changed_by").notNull(),
    changedFrom: text("changed_from"),
    /**
     * When the hub began the exchange of this ACTIVE period: the eMSP's
     * catch-up and the ClientInfo of each side. Unset while it is due (an
     * agreement not yet in force, or just resumed); setting it is the claim
     * that lets one instance of several do it.
     */
    exchangeStartedAt: timestamp("exchange_started_at", { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index("agreements_cpo_idx").on(t.cpoCountryCode, t.cpoPartyId),
    index("agreements_emsp_idx").on(t.emspCountryCode, t.emspPartyId),
  ],
);

export type AgreementRow = typeof agreements.$inferSelect;

/**
 * What the operator did through the admin API: who (the admin token's
 * name), from which address, what, to which object, with what result;
 * failed attempts too.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    actor: text("actor").notNull(),
    address: text("address"),
    /** e.g. `agreement.create`, `platform.suspend`, `token.issue`. */
    action: text("action").notNull(),
    /** e.g. `agreement/<id>`, `platform/<id>`, `token/<id>`. */
    target: text("target").notNull(),
    /** `ok`, or the failure: HTTP status and error code, e.g. `409 CONFLICT`. */
    result: text("result").notNull(),
    /** What changed (the fields before and after), or why it failed. */
    detail: jsonb("detail").$type<Record<string, unknown>>(),
  },
  (t) => [
    index("audit_log_at_idx").on(t.at),
    index("audit_log_target_idx").on(t.target),
    index("audit_log_action_idx").on(t.action),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;
