/** One minute of delivery attempts on this instance. */
export interface MinuteCount {
  /** The minute's start (epoch ms). */
  minute: number;
  delivered: number;
  /** Attempts that did not deliver: failed, rejected, dropped, retried later. */
  other: number;
}

const MINUTE_MS = 60_000;

/**
 * Delivery attempts per minute over the last `minutes` minutes, counted on
 * this instance in a ring of that many buckets: what the console's
 * deliveries chart draws. Recording is two additions.
 */
export function createPerMinute(minutes = 60) {
  const ring: MinuteCount[] = Array.from({ length: minutes }, () => ({
    minute: -1,
    delivered: 0,
    other: 0,
  }));
  const bucket = (now: number): MinuteCount => {
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const slot = ring[(minute / MINUTE_MS) % minutes] as MinuteCount;
    if (slot.minute !== minute) {
      slot.minute = minute;
      slot.delivered = 0;
      slot.other = 0;
    }
    return slot;
  };
  return {
    record(delivered: boolean, now = Date.now()): void {
      const slot = bucket(now);
      if (delivered) slot.delivered += 1;
      else slot.other += 1;
    },
    /** The last `minutes` minutes, oldest first, the current one last; minutes without attempts are zeros. */
    series(now = Date.now()): MinuteCount[] {
      const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
      return Array.from({ length: minutes }, (_, i) => {
        const minute = current - (minutes - 1 - i) * MINUTE_MS;
        const slot = ring[(minute / MINUTE_MS) % minutes] as MinuteCount;
        return slot.minute === minute ? { ...slot } : { minute, delivered: 0, other: 0 };
      });
    },
  };
}

export type PerMinute = ReturnType<typeof createPerMinute>;
