import type { Database } from "../db/client.js";
import type { Logger } from "../logging/logger.js";
import {
  keysBetweenMerges,
  mergePendingKeys,
  POSITIONS,
  type Written,
  writeBuilt,
} from "./batch.js";
import { BatchBuilder } from "./codec.js";
import { FOLD_EVERY_IDS, foldIdsBesideData } from "./id-index.js";

/** One entry of the log as it is recorded: a message or a leg (docs/messages.md). */
export interface MessageEntry {
  kind: "message" | "leg";
  at: Date;
  request_id: string;
  message_id: string;
  correlation_id: string | null;
  module: string | null;
  interface: string | null;
  method: string;
  path: string | null;
  object_id: string | null;
  from_country_code: string | null;
  from_party_id: string | null;
  from_platform_id: string | null;
  to_country_code: string | null;
  to_party_id: string | null;
  to_platform_id: string | null;
  http_status: number | null;
  status_code: number | null;
  latency_ms: number;
  outcome: string;
  request_body: string | null;
  response_body: string | null;
  /** A forward's attempt, on its message's row (legs.ts HeldLeg). */
  leg_request_id?: string;
  leg_http_status?: number | null;
  leg_status_code?: number | null;
  leg_latency_ms?: number;
  leg_outcome?: string;
}

/**
 * What record() takes: an entry, or a function that makes it, called when
 * the entry is written into its batch (after the request, with other
 * entries) instead of on the request path.
 */
export type Recorded = MessageEntry | (() => MessageEntry);

export interface MessageLogStats {
  /** Entries waiting for the next flush. */
  buffered: number;
  /** The most entries the buffer holds; past it new ones are dropped. */
  capacity: number;
  /** Entries dropped because the buffer was full. */
  dropped: number;
  /** Entries written to the database. */
  written: number;
  /** Flushes that failed (their entries are lost and counted in `lost`). */
  failedFlushes: number;
  lost: number;
}

/**
 * The message log of this instance: recorded entries are written into
 * batches in memory a few hundred at a time, and the batches stored as
 * rows by a background loop, never on the request path. A full buffer
 * drops new entries and counts them.
 */
export interface MessageLog {
  /** MESSAGE_LOG: when false, record() does nothing. */
  readonly enabled: boolean;
  /** MESSAGE_LOG_BODIES: whether entries carry (redacted, truncated) bodies. */
  readonly bodies: boolean;
  record(entry: Recorded): void;
  stats(): MessageLogStats;
  /** Writes what is buffered now. */
  flush(): Promise<void>;
  /** Stops the loop and writes what is left. */
  close(): Promise<void>;
}

export interface MessageLogOptions {
  db: Database;
  logger: Logger;
  enabled: boolean;
  bodies: boolean;
  /** Buffered entries at most (default 20000). */
  capacity?: number;
  /**
   * A flush starts early once this many entries wait (default 2000, a
   * full batch; 1000 when bodies are kept): a statement costs about 1 ms
   * of PGlite's time besides its entries (2–3 ms in a busy hub), so fewer,
   * bigger batches are cheaper, while one batch stays short enough not to
   * hold PGlite, which runs one statement at a time, for long.
   */
  batch?: number;
  /**
   * The loop's period (default 1000 ms): how long an entry waits at most
   * before it is written, when fewer than `batch` come in meanwhile.
   */
  intervalMs?: number;
  /**
   * On PGlite, search keys written between two merges of the index's
   * pending list (default MERGE_EVERY_KEYS; see mergePendingKeys).
   */
  mergeEveryKeys?: number;
  /** Ids written between two folds into the id index (default FOLD_EVERY_IDS; see id-index.ts). */
  foldEveryIds?: number;
}

/**
 * Entries per stored batch: a bounded statement (bodies are up to 16 KiB
 * each, so fewer when they are kept), and always below POSITIONS.
 */
const ENTRIES_PER_BATCH = Math.min(2_000, POSITIONS - 1);
const ENTRIES_PER_BATCH_WITH_BODIES = 100;

/**
 * Recorded entries wait in a short list and are written into their batch
 * once this many wait, right after the request that filled the list: one
 * loop over a few hundred entries keeps the writer's code and its tables
 * warm in the CPU's caches, where writing each entry alone, between two
 * requests, found them cold (several times slower; docs/performance.md,
 * "Bigger batches, and entries written a few hundred at a time"). The
 * list is short enough that its entries die young, before the collector
 * moves them (at the bench's rates about 50–100 ms).
 */
const STAGED = 256;

/**
 * The upkeep of the log's two indexes as it writes: on PGlite, merging
 * the GIN index's pending list every mergeEveryKeys keys; everywhere,
 * folding the pending ids into the id index every foldEveryIds ids. Each
 * runs after a flush's batches are written, a fold without holding up the
 * next flush (a merge of large runs takes about a second); a failure
 * leaves its keys pending, found by searches, for the next run.
 */
function indexUpkeep(options: MessageLogOptions) {
  const { db, logger } = options;
  const mergeEvery = keysBetweenMerges(db, options.mergeEveryKeys);
  const foldEvery = options.foldEveryIds ?? FOLD_EVERY_IDS;
  let unmergedKeys = 0;
  let unfoldedIds = 0;
  let folding: Promise<void> | undefined;
  return {
    count(written: Written): void {
      unmergedKeys += written.keys;
      unfoldedIds += written.ids;
    },
    async run(): Promise<void> {
      if (unmergedKeys >= mergeEvery) {
        unmergedKeys = 0;
        await mergePendingKeys(db).catch((err) =>
          logger.warn({ err }, "message log: merging the search index's pending keys failed"),
        );
      }
      if (unfoldedIds >= foldEvery && folding === undefined) {
        unfoldedIds = 0;
        // Not awaited: flushes go on meanwhile (on PGlite they queue behind its transaction).
        folding = foldIdsBesideData(db)
          .then(
            () => undefined,
            (err) =>
              logger.warn({ err }, "message log: folding the pending ids into the id index failed"),
          )
          .finally(() => {
            folding = undefined;
          });
      }
    },
    /** Once the fold under way, if any, has ended. */
    settled: (): Promise<void> => folding ?? Promise.resolve(),
  };
}

export function createMessageLog(options: MessageLogOptions): MessageLog {
  const { db, logger, enabled, bodies } = options;
  const capacity = options.capacity ?? 20_000;
  const batch = options.batch ?? (bodies ? 1_000 : ENTRIES_PER_BATCH);
  const perBatch = bodies ? ENTRIES_PER_BATCH_WITH_BODIES : ENTRIES_PER_BATCH;
  // The batch being filled (codec.ts BatchBuilder) and those full, waiting for the flush.
  let filling: BatchBuilder | undefined;
  let filled: BatchBuilder[] = [];
  /** Recorded, not yet written into a batch (STAGED). */
  const staged: Recorded[] = [];
  /** Entries staged or in a batch, not yet stored. */
  let buffered = 0;
  let flushing: Promise<void> | undefined;
  let early = false;
  const counts = { dropped: 0, written: 0, failedFlushes: 0, lost: 0 };
  const upkeep = indexUpkeep(options);

  async function write(batches: BatchBuilder[]): Promise<void> {
    for (const b of batches) {
      try {
        upkeep.count(await writeBuilt(db, b));
        counts.written += b.count;
      } catch (err) {
        counts.failedFlushes++;
        counts.lost += b.count;
        logger.error({ err, rows: b.count }, "message log: a flush failed; its entries are lost");
      } finally {
        // Written or lost, its bytes are done with.
        b.release();
      }
    }
    await upkeep.run();
  }

  /** Writes the staged entries into their batch; one that cannot be written is dropped and counted. */
  function writeStaged(): void {
    for (const entry of staged) {
      try {
        add(typeof entry === "function" ? entry() : entry);
      } catch (err) {
        // Never thrown into a request: the entry is dropped, counted and logged.
        buffered--;
        counts.dropped++;
        logger.error({ err }, "message log: an entry could not be recorded");
      }
    }
    staged.length = 0;
  }

  function flush(): Promise<void> {
    if (flushing !== undefined) return flushing.then(() => (buffered > 0 ? flush() : undefined));
    writeStaged();
    if (buffered === 0) return Promise.resolve();
    const batches = filling === undefined ? filled : [...filled, filling];
    filling = undefined;
    filled = [];
    buffered = 0;
    flushing = write(batches).finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  function add(entry: MessageEntry): void {
    if (filling === undefined || filling.count >= perBatch) {
      if (filling !== undefined) filled.push(filling);
      filling = new BatchBuilder();
    }
    filling.add(entry);
  }

  const tick = () => {
    early = false;
    if (flushing === undefined && buffered > 0) void flush();
  };
  const timer = enabled ? setInterval(tick, options.intervalMs ?? 1_000) : undefined;
  timer?.unref();

  return {
    enabled,
    bodies,
    record(entry) {
      if (!enabled) return;
      if (buffered >= capacity) {
        counts.dropped++;
        return;
      }
      staged.push(entry);
      buffered++;
      // Not in the request that fills the list: its answer would wait for the loop.
      if (staged.length === STAGED) setImmediate(writeStaged);
      if (buffered >= batch && !early && flushing === undefined) {
        early = true;
        setImmediate(tick);
      }
    },
    stats: () => ({ buffered, capacity, ...counts }),
    flush,
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await flush();
      await upkeep.settled();
    },
  };
}
