/**
 * When deliveries start their HTTP requests: after the event loop's I/O
 * callbacks (setImmediate), a slice of them per turn of the loop, sized so
 * that a busy turn lasts about TURN_MS.
 *
 * A push is answered after a few round trips of its own (the cache write,
 * the JetStream publish), each waiting for a turn of the event loop. Started
 * as soon as their queue hands them out, the deliveries of every push ran in
 * the same turns as those round trips, and under sustained load a sender's
 * answer waited behind thousands of them. Started here, a turn holds one
 * slice of starts and about as many answers, so a pusher's next step comes
 * within a few milliseconds whatever the number of recipients. While the
 * hub has CPU to spare, deliveries go as fast as before (the loop only turns
 * more often); when it has none, the pushes' own steps come first, and
 * deliveries still start at MIN_RATE at least.
 *
 * Starts are first in, first out across recipients; a recipient has at most
 * its sends in flight waiting here (worker.ts), so none crowds out another,
 * and a slow recipient holds no slice (it waits on its answers, not here).
 */
export interface Starts {
  /** Resolves when the caller may start its request. */
  next(): Promise<void>;
}

/** How long a busy turn of the event loop should take, starts and answers together (ms). */
const TURN_MS = 4;
/** Starts per turn: at most, at first. */
export const MAX_SLICE = 256;
const FIRST_SLICE = 64;
/**
 * Starts per second at least, whatever the turns' length (8 a turn of
 * TURN_MS): a turn made long by other work (a sync's page, a big list)
 * gets no shorter for fewer starts, and deliveries must not crawl meanwhile.
 */
export const MIN_RATE = 2_000;

/** `now` reads a monotonic clock in ms (tests give their own). */
export function createStarts(now: () => number = () => performance.now()): Starts {
  let waiting: (() => void)[] = [];
  let head = 0;
  let slice = FIRST_SLICE;
  let scheduled = false;
  /** When the last slice ran, while starts kept waiting (0: the loop may have been idle since). */
  let lastRun = 0;

  function run(): void {
    scheduled = false;
    const at = now();
    if (lastRun !== 0) {
      // The loop came back after the last slice's starts and a turn's answers and other work:
      // the slice follows the ratio of the turn's length to TURN_MS, halfway each turn.
      const turn = Math.max(0.1, at - lastRun);
      slice = Math.round(slice * (0.5 + 0.5 * Math.min(2, TURN_MS / turn)));
      slice = Math.min(MAX_SLICE, Math.max(Math.ceil((MIN_RATE * turn) / 1000), slice));
    }
    const end = Math.min(waiting.length, head + slice);
    while (head < end) {
      const start = waiting[head] as () => void;
      waiting[head++] = noop;
      start();
    }
    if (head === waiting.length) {
      waiting = [];
      head = 0;
      lastRun = 0;
      return;
    }
    if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    lastRun = at;
    schedule();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  }

  return {
    next() {
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        schedule();
      });
    },
  };
}

const noop = () => {};
