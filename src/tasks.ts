import type { Logger } from "./logging/logger.js";

/** Work that outlives the request that started it (announcements); awaited on shutdown. */
export interface BackgroundTasks {
  run(name: string, work: () => Promise<unknown>): void;
  /** Set once the instance shuts down: long tasks (a sync) end early. */
  readonly stopping: boolean;
  stop(): void;
  /** Resolves once every task started so far has ended. */
  idle(): Promise<void>;
}

export function createBackgroundTasks(logger: Logger): BackgroundTasks {
  const running = new Set<Promise<unknown>>();
  let stopping = false;
  return {
    get stopping() {
      return stopping;
    },
    stop() {
      stopping = true;
    },
    run(name, work) {
      const task = work()
        .catch((err: unknown) => logger.error({ err, task: name }, "background task failed"))
        .finally(() => running.delete(task));
      running.add(task);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/** Deletes expired callbacks, route hints and token index entries this often. */
const SWEEP_MS = 10 * 60_000;

/** What the routing store deletes when it has expired. */
export interface Expiring {
  purgeExpiredCallbacks(now: Date): Promise<unknown>;
  pruneHints(now: Date): Promise<number>;
  pruneTokens(now: Date): Promise<number>;
}

/**
 * Deletes what routing learned and no longer holds, periodically: expired
 * callbacks, and route hints and token index entries no traffic renewed
 * (a departed or silent party stops attracting open-routed traffic).
 * Returns the function that stops it.
 */
export function startRoutingSweep(
  routing: Expiring,
  clock: { now(): Date },
  logger: Logger,
): () => void {
  const sweepOnce = async () => {
    const now = clock.now();
    await routing.purgeExpiredCallbacks(now);
    const hints = await routing.pruneHints(now);
    const tokens = await routing.pruneTokens(now);
    if (hints + tokens > 0)
      logger.info({ hints, tokens }, "expired route hints and tokens deleted");
  };
  const sweep = setInterval(() => {
    sweepOnce().catch((err: unknown) =>
      logger.error({ err }, "could not delete expired routing data"),
    );
  }, SWEEP_MS);
  sweep.unref();
  return () => clearInterval(sweep);
}
