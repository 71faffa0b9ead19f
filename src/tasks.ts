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

/** Deletes expired callbacks this often. */
const CALLBACK_SWEEP_MS = 10 * 60_000;

/** Deletes expired callbacks periodically; returns the function that stops it. */
export function startCallbackSweep(
  routing: { purgeExpiredCallbacks(now: Date): Promise<unknown> },
  clock: { now(): Date },
  logger: Logger,
): () => void {
  const sweep = setInterval(() => {
    routing
      .purgeExpiredCallbacks(clock.now())
      .catch((err: unknown) => logger.error({ err }, "could not delete expired callbacks"));
  }, CALLBACK_SWEEP_MS);
  sweep.unref();
  return () => clearInterval(sweep);
}
