import { randomUUID } from "node:crypto";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Bus } from "../bus/bus.js";
import type { Database } from "../db/client.js";
import { type AdminTokenRow, adminTokens, auditLog } from "../db/schema/index.js";
import type { Logger } from "../logging/logger.js";
import { generateToken, hashToken } from "../ocpi/tokens.js";
import { type Actor, auditEntry } from "../registry/store-agreements.js";

/** Who an admin bearer token stands for: the actor of the audit log. */
export interface AdminIdentity {
  /** `admin` for the bootstrap token, else the issued token's id. */
  id: string;
  name: string;
}

/** The bootstrap token (ADMIN_TOKEN or the generated one): always valid, never revocable here. */
export const BOOTSTRAP: AdminIdentity = { id: "admin", name: "admin" };

export type RevokeOutcome = "revoked" | "unknown" | "already-revoked";

/**
 * The admin bearer tokens that open the admin API: the bootstrap token and
 * every issued one not revoked. Admin authentication reads only the hashes
 * held here, never the database; they are reloaded after a local change
 * and when another instance announces one on the registry-changed subject
 * (`admin_token` in the message), and every 30 s in case an announcement
 * was lost.
 */
export interface AdminTokens {
  identify(hash: string): AdminIdentity | undefined;
  /** Every issued token, revoked ones too, oldest first. */
  list(): Promise<AdminTokenRow[]>;
  /**
   * Stores a new token under `name`, with its audit entry in one
   * transaction; undefined when an unrevoked token has that name.
   */
  issue(
    name: string,
    who: Actor,
    at: Date,
  ): Promise<{ row: AdminTokenRow; token: string } | undefined>;
  /** Revokes a token, with its audit entry in one transaction, on every instance. */
  revoke(id: string, who: Actor, at: Date): Promise<RevokeOutcome>;
  refresh(): Promise<void>;
  close(): void;
}

export async function createAdminTokens(options: {
  db: Database;
  bus: Bus;
  changedSubject: string;
  instanceId: string;
  logger: Logger;
  bootstrapHash: string;
  safetyRefreshMs?: number;
}): Promise<AdminTokens> {
  const { db, bus, changedSubject, instanceId, logger, bootstrapHash } = options;
  const load = async () => {
    const rows = await db
      .select({ id: adminTokens.id, name: adminTokens.name, hash: adminTokens.tokenHash })
      .from(adminTokens)
      .where(isNull(adminTokens.revokedAt));
    const byHash = new Map<string, AdminIdentity>(
      rows.map((r) => [r.hash, { id: r.id, name: r.name }]),
    );
    byHash.set(bootstrapHash, BOOTSTRAP);
    return byHash;
  };
  let byHash = await load();
  const refresh = async () => {
    byHash = await load();
  };
  const reload = () =>
    refresh().catch((err: unknown) => logger.error({ err }, "admin token reload failed"));

  const unsubscribe = bus.subscribe(changedSubject, async (msg) => {
    const { origin, admin_token } = msg.json<{ origin?: string; admin_token?: string }>();
    if (origin !== instanceId && admin_token !== undefined) await reload();
  });
  const timer = setInterval(reload, options.safetyRefreshMs ?? 30_000);
  timer.unref();

  async function announce(id: string): Promise<void> {
    await refresh();
    await bus
      .publish(changedSubject, { origin: instanceId, admin_token: id })
      .catch((err: unknown) => logger.error({ err }, "could not announce an admin token change"));
  }

  const audit = (
    who: Actor,
    at: Date,
    action: string,
    id: string,
    detail: Record<string, unknown>,
  ) => auditEntry(who, at, action, `token/${id}`, detail);

  return {
    identify: (hash) => byHash.get(hash),
    list: () =>
      db.select().from(adminTokens).orderBy(asc(adminTokens.createdAt), asc(adminTokens.id)),
    async issue(name, who, at) {
      const token = generateToken();
      const row = await db.transaction(async (tx) => {
        const [inserted] = await tx
          .insert(adminTokens)
          .values({
            id: randomUUID(),
            name,
            tokenHash: hashToken(token),
            createdAt: at,
            createdBy: who.actor,
          })
          // The partial unique index on live names: a duplicate inserts nothing.
          .onConflictDoNothing()
          .returning();
        if (inserted === undefined) return undefined;
        await tx.insert(auditLog).values(audit(who, at, "token.issue", inserted.id, { name }));
        return inserted;
      });
      if (row === undefined) return undefined;
      await announce(row.id);
      return { row, token };
    },
    async revoke(id, who, at) {
      const outcome = await db.transaction(async (tx): Promise<RevokeOutcome> => {
        const [revoked] = await tx
          .update(adminTokens)
          .set({ revokedAt: at, revokedBy: who.actor })
          .where(and(eq(adminTokens.id, id), isNull(adminTokens.revokedAt)))
          .returning();
        if (revoked === undefined) {
          const [known] = await tx
            .select({ id: adminTokens.id })
            .from(adminTokens)
            .where(eq(adminTokens.id, id));
          return known === undefined ? "unknown" : "already-revoked";
        }
        await tx
          .insert(auditLog)
          .values(audit(who, at, "token.revoke", id, { name: revoked.name }));
        return "revoked";
      });
      if (outcome === "revoked") await announce(id);
      return outcome;
    },
    refresh,
    close() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
