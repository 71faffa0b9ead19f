import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../db/client.js";
import type { Logger } from "../logging/logger.js";
import { foldWaitingIds, pruneIds } from "./id-index.js";
import { createMessageLog, type MessageLog } from "./log.js";

/** Batch rows one delete takes at most (up to 2,000 entries each): short statements, never a long lock of the table. */
export const PRUNE_BATCH = 20;
/** How often old rows are deleted. */
const PRUNE_EVERY_MS = 5 * 60_000;

/**
 * Deletes the log's batches whose newest entry is older than `days` before
 * `now`, PRUNE_BATCH at a time (the oldest first, in sequence order), until
 * none is left. Returns how many entries went.
 */
export async function pruneMessages(
  db: Database,
  days: number,
  now: Date,
  batch = PRUNE_BATCH,
): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  let total = 0;
  for (;;) {
    const deleted = rowsOf<{ count: number }>(
      await db.execute(sql`
        delete from message_batches where seq in (
          select seq from message_batches where last_at < ${cutoff.toISOString()}::timestamptz
          order by seq limit ${batch}
        ) returning count`),
    );
    total += deleted.reduce((n, row) => n + Number(row.count), 0);
    if (deleted.length < batch) {
      if (total > 0) await pruneIds(db);
      return total;
    }
    // Other statements get their turn between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** MESSAGE_LOG_DAYS: prunes the log every few minutes; returns the stop. */
export function startMessageRetention(
  db: Database,
  logger: Logger,
  days: number,
  now: () => Date,
): () => void {
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    pruneMessages(db, days, now())
      .then(async (n) => {
        if (n > 0) logger.info({ deleted: n, days }, "message log: old entries deleted");
        await foldWaitingIds(db, now());
      })
      .catch((err) =>
        logger.warn({ err }, "message log: deleting old entries or folding ids failed"),
      )
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(run, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The message log of MESSAGE_LOG, MESSAGE_LOG_BODIES and MESSAGE_LOG_DAYS,
 * with its retention job; closing it stops the job and writes what is buffered.
 */
export function openMessageLog(
  db: Database,
  logger: Logger,
  settings: { enabled: boolean; bodies: boolean; days: number },
  now: () => Date,
): MessageLog {
  const log = createMessageLog({ db, logger, ...settings });
  if (!settings.enabled) return log;
  const stop = startMessageRetention(db, logger, settings.days, now);
  return {
    ...log,
    close() {
      stop();
      return log.close();
    },
  };
}
