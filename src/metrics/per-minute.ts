/** One minute of delivery attempts. */
export interface MinuteCount {
  /** The minute's start (epoch ms). */
  minute: number;
  delivered: number;
  /** Attempts that did not deliver: failed, rejected, dropped, retried later. */
  other: number;
}

export const MINUTE_MS = 60_000;

/** The minute `at` (epoch ms) falls in. */
export const minuteOf = (at: number) => Math.floor(at / MINUTE_MS) * MINUTE_MS;

/**
 * Delivery attempts per minute that this instance counted and has not yet
 * added to the shared count (delivery/minutes.ts): what the console's
 * deliveries chart draws, with every instance's counts. Recording is a
 * map look-up and an addition; a flush takes out what it wrote.
 */
export function createPerMinute() {
  const unflushed = new Map<number, MinuteCount>();
  return {
    record(delivered: boolean, now = Date.now()): void {
      const minute = minuteOf(now);
      let count = unflushed.get(minute);
      if (count === undefined) {
        count = { minute, delivered: 0, other: 0 };
        unflushed.set(minute, count);
      }
      if (delivered) count.delivered += 1;
      else count.other += 1;
    },
    /** What was counted and not written yet, a copy per minute. */
    unflushed(): MinuteCount[] {
      return [...unflushed.values()].map((c) => ({ ...c }));
    },
    /** Takes counts that were written out (counted since are kept). */
    written(counts: readonly MinuteCount[]): void {
      for (const w of counts) {
        const count = unflushed.get(w.minute);
        if (count === undefined) continue;
        count.delivered -= w.delivered;
        count.other -= w.other;
        if (count.delivered === 0 && count.other === 0) unflushed.delete(w.minute);
      }
    },
  };
}

export type PerMinute = ReturnType<typeof createPerMinute>;

/**
 * The last `minutes` minutes up to `now`, oldest first, the current one
 * last: the counts of each minute added up (several instances' counts of
 * one minute), minutes without attempts as zeros.
 */
export function seriesOf(counts: Iterable<MinuteCount>, now: number, minutes = 60): MinuteCount[] {
  const current = minuteOf(now);
  const first = current - (minutes - 1) * MINUTE_MS;
  const series = Array.from({ length: minutes }, (_, i) => ({
    minute: first + i * MINUTE_MS,
    delivered: 0,
    other: 0,
  }));
  for (const c of counts) {
    const slot = series[(c.minute - first) / MINUTE_MS];
    if (slot === undefined) continue;
    slot.delivered += c.delivered;
    slot.other += c.other;
  }
  return series;
}
