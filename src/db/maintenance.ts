// Housekeeping PostgreSQL does by itself and the embedded store does not.
import { sql } from "drizzle-orm";
import type { Logger } from "../logging/logger.js";
import type { DatabaseHandle } from "./client.js";

/** How often the embedded store is vacuumed. */
export const EMBEDDED_VACUUM_MS = 10 * 60_000;

/**
 * One VACUUM (ANALYZE) of the embedded store: space of the row versions
 * that updates and deletes left behind becomes reusable, index-only scans
 * need not visit the table for rows that have not changed since, and the
 * planner's statistics follow the data. On PostgreSQL autovacuum does this.
 */
export async function vacuumEmbedded(handle: DatabaseHandle): Promise<void> {
  await handle.db.execute(sql`vacuum (analyze)`);
}

/**
 * PGlite runs PostgreSQL in this process without autovacuum, so nothing
 * reclaims dead row versions: every EVSE status change would grow the
 * store for good. The embedded store is vacuumed every `intervalMs` (a
 * round still running is not overlapped); PostgreSQL is left to its own
 * autovacuum. Returns the function that stops it.
 */
export function startEmbeddedVacuum(
  handle: DatabaseHandle,
  logger: Logger,
  intervalMs = EMBEDDED_VACUUM_MS,
): () => void {
  if (handle.kind === "postgres") return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const started = performance.now();
    vacuumEmbedded(handle)
      .then(() => logger.debug({ ms: Math.round(performance.now() - started) }, "store vacuumed"))
      .catch((err: unknown) => logger.error({ err }, "could not vacuum the embedded store"))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
