// Roaming agreements and the audit log of the operator's changes to them.

import { and, desc, eq, gte, isNull, lt } from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  type AgreementRow,
  type AgreementStatus,
  type AuditRow,
  agreements,
  auditLog,
} from "../db/schema/index.js";

/** Who changed something through the admin API, and from where. */
export interface Actor {
  actor: string;
  address: string | undefined;
}

export type NewAgreement = Omit<
  AgreementRow,
  "seq" | "status" | "updatedAt" | "changedBy" | "changedFrom" | "exchangeStartedAt"
>;

export type NewAuditEntry = Omit<AuditRow, "seq">;

/** Which audit entries to read: at most `limit`, before a seq, of one target or action, since a time. */
export interface AuditQuery {
  limit: number;
  before?: number;
  target?: string;
  action?: string;
  since?: Date;
}

/** The audit entry of a change that succeeded, written in the change's own transaction. */
export const auditEntry = (
  who: Actor,
  at: Date,
  action: string,
  target: string,
  detail: Record<string, unknown>,
) => ({
  at,
  actor: who.actor,
  address: who.address ?? null,
  action,
  target,
  result: "ok",
  detail,
});

export function registryAgreements(db: Database) {
  return {
    async loadAgreements(): Promise<AgreementRow[]> {
      return db.select().from(agreements);
    },

    /** Records a new ACTIVE agreement and its audit entry in one transaction. */
    async createAgreement(row: NewAgreement, who: Actor): Promise<AgreementRow> {
      return db.transaction(async (tx) => {
        const [created] = await tx
          .insert(agreements)
          .values({
            ...row,
            status: "ACTIVE",
            updatedAt: row.createdAt,
            changedBy: who.actor,
            changedFrom: who.address ?? null,
          })
          .returning();
        const agreement = created as AgreementRow;
        await tx.insert(auditLog).values(
          auditEntry(who, row.createdAt, "agreement.create", `agreement/${row.id}`, {
            cpo: `${row.cpoCountryCode}/${row.cpoPartyId}`,
            emsp: `${row.emspCountryCode}/${row.emspPartyId}`,
            modules: row.modules,
            valid_from: row.validFrom?.toISOString() ?? null,
            valid_until: row.validUntil?.toISOString() ?? null,
          }),
        );
        return agreement;
      });
    },

    /**
     * Moves an agreement from `from` to `to` and records it; undefined when
     * it no longer is in `from` (another change came first).
     */
    async setAgreementStatus(
      id: string,
      from: AgreementStatus,
      to: AgreementStatus,
      who: Actor,
      at: Date,
      action: string,
    ): Promise<AgreementRow | undefined> {
      return db.transaction(async (tx) => {
        const [updated] = await tx
          .update(agreements)
          .set({
            status: to,
            updatedAt: at,
            // A new ACTIVE period starts its exchange afresh.
            exchangeStartedAt: null,
            changedBy: who.actor,
            changedFrom: who.address ?? null,
          })
          .where(and(eq(agreements.id, id), eq(agreements.status, from)))
          .returning();
        if (updated === undefined) return undefined;
        await tx
          .insert(auditLog)
          .values(auditEntry(who, at, action, `agreement/${id}`, { status: [from, to] }));
        return updated;
      });
    },

    /**
     * Claims the start of an ACTIVE agreement's exchange: true for exactly
     * one caller per ACTIVE period, whichever instance asks.
     */
    async claimExchangeStart(id: string, at: Date): Promise<boolean> {
      const claimed = await db
        .update(agreements)
        .set({ exchangeStartedAt: at })
        .where(
          and(
            eq(agreements.id, id),
            eq(agreements.status, "ACTIVE"),
            isNull(agreements.exchangeStartedAt),
          ),
        )
        .returning({ id: agreements.id });
      return claimed.length === 1;
    },

    /** Records an admin action that was not one transaction with its change, or failed. */
    async recordAudit(entry: NewAuditEntry): Promise<void> {
      await db.insert(auditLog).values(entry);
    },

    /** Audit entries, newest first; `before` pages on from an entry's seq. */
    async auditEntries(options: AuditQuery): Promise<AuditRow[]> {
      const filters = [
        options.before === undefined ? undefined : lt(auditLog.seq, options.before),
        options.target === undefined ? undefined : eq(auditLog.target, options.target),
        options.action === undefined ? undefined : eq(auditLog.action, options.action),
        options.since === undefined ? undefined : gte(auditLog.at, options.since),
      ];
      return db
        .select()
        .from(auditLog)
        .where(and(...filters))
        .orderBy(desc(auditLog.seq))
        .limit(options.limit);
    },
  };
}
