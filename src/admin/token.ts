import { eq } from "drizzle-orm";
import type { DatabaseHandle } from "../db/client.js";
import { settings } from "../db/schema/index.js";
import { generateToken, hashToken } from "../ocpi/tokens.js";

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
