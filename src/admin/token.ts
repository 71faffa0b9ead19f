import { eq } from "drizzle-orm";
import type { Bus } from "../bus/bus.js";
import type { NatsNames } from "../bus/names.js";
import type { DatabaseHandle } from "../db/client.js";
import { settings } from "../db/schema/index.js";
import type { Logger } from "../logging/logger.js";
import { generateToken, hashToken } from "../ocpi/tokens.js";
import { type AdminTokens, createAdminTokens } from "./token-set.js";

/**
 * The admin tokens in force: the bootstrap one (resolved as below) and the
 * issued ones, refreshed across instances on the registry-changed subject.
 */
export async function openAdminTokens(
  handle: DatabaseHandle,
  configured: string | undefined,
  options: { bus: Bus; names: NatsNames; instanceId: string; logger: Logger },
): Promise<{ tokens: AdminTokens; generated: string | undefined }> {
  const bootstrap = await resolveAdminToken(handle, configured);
  const tokens = await createAdminTokens({
    db: handle.db,
    bus: options.bus,
    changedSubject: options.names.registryChanged,
    instanceId: options.instanceId,
    logger: options.logger,
    bootstrapHash: bootstrap.hash,
  });
  return { tokens, generated: bootstrap.generated };
}

/**
 * The admin bearer token's hash: of ADMIN_TOKEN when set; otherwise of the
 * token generated on the first start (returned once, to be shown), of which
 * only the hash is kept.
 */
export async function resolveAdminToken(
  handle: DatabaseHandle,
  configured: string | undefined,
): Promise<{ hash: string; generated: string | undefined }> {
  if (configured !== undefined) return { hash: hashToken(configured), generated: undefined };
  const [row] = await handle.db.select().from(settings).where(eq(settings.key, "admin_token_hash"));
  if (row !== undefined) return { hash: row.value, generated: undefined };
  const token = generateToken();
  const inserted = await handle.db
    .insert(settings)
    .values({ key: "admin_token_hash", value: hashToken(token) })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 1) return { hash: hashToken(token), generated: token };
  // Another instance generated it first.
  return resolveAdminToken(handle, configured);
}
