/**
 * A recipient's send gate. While the recipient fails: no send starts before `until`; then one, the
 * probe, and the others wait for its answer. A failing recipient thus gets
 * one request per retry delay instead of one per object, and a success
 * lets everything go again.
 */
export interface SendGate {
  /** Whether a send may not start now: the delay runs, or the probe has not answered yet. */
  closed(): boolean;
  /** A send starts: whether it is the probe (the gate was closed and its delay over). */
  probe(): boolean;
  /** A send answered (any outcome but a failure to retry): everything may go again. */
  open(): void;
  /** A send that was the probe ended; the gate's state is set by open() or failed(). */
  answered(probe: boolean): void;
  /**
   * A send failed and is retried within `left` ms: the gate closes, or stays
   * closed longer after a failed probe. Returns the failures so far.
   */
  failed(probe: boolean, left: number): number;
}

/** A gate that calls `reopened` when its delay is over. */
export function createGate(firstMs: number, maxMs: number, reopened: () => void): SendGate {
  let state:
    | { until: number; failures: number; probing: boolean; timer?: NodeJS.Timeout }
    | undefined;
  return {
    closed: () => state !== undefined && (state.probing || Date.now() < state.until),
    probe() {
      if (state === undefined) return false;
      state.probing = true;
      return true;
    },
    open() {
      if (state?.timer !== undefined) clearTimeout(state.timer);
      state = undefined;
    },
    answered(probe) {
      if (probe && state !== undefined) state.probing = false;
    },
    failed(probe, left) {
      if (state === undefined) state = { until: 0, failures: 1, probing: false };
      else if (probe) state.failures++;
      const g = state;
      if (probe) g.probing = false;
      const delay = Math.min(firstMs * 2 ** (g.failures - 1), maxMs, left);
      g.until = Date.now() + delay;
      if (g.timer !== undefined) clearTimeout(g.timer);
      g.timer = setTimeout(() => {
        g.timer = undefined;
        // The delay is over even when the timer fires a moment before Date.now() says so.
        g.until = 0;
        reopened();
      }, delay);
      g.timer.unref();
      return g.failures;
    },
  };
}
