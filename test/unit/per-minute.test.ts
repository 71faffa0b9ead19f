import { describe, expect, it } from "vitest";
import { createPerMinute } from "../../src/metrics/per-minute.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);

describe("delivery attempts per minute", () => {
  it("counts each minute's attempts, the current minute last, empty minutes as zeros", () => {
    const perMinute = createPerMinute(5);
    perMinute.record(true, T0 + 1_000);
    perMinute.record(true, T0 + 59_999);
    perMinute.record(false, T0 + 30_000);
    perMinute.record(true, T0 + 2 * MINUTE + 5);
    const series = perMinute.series(T0 + 2 * MINUTE + 10_000);
    expect(series.map((m) => m.minute)).toEqual([
      T0 - 2 * MINUTE,
      T0 - MINUTE,
      T0,
      T0 + MINUTE,
      T0 + 2 * MINUTE,
    ]);
    expect(series.map((m) => [m.delivered, m.other])).toEqual([
      [0, 0],
      [0, 0],
      [2, 1],
      [0, 0],
      [1, 0],
    ]);
  });

  it("forgets a minute once it leaves the window, also when its bucket is reused", () => {
    const perMinute = createPerMinute(3);
    perMinute.record(true, T0);
    perMinute.record(false, T0 + 3 * MINUTE); // the same bucket, three minutes on
    const series = perMinute.series(T0 + 3 * MINUTE);
    expect(series.map((m) => m.minute)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]);
    expect(series.map((m) => [m.delivered, m.other])).toEqual([
      [0, 0],
      [0, 0],
      [0, 1],
    ]);
    expect(perMinute.series(T0 + 10 * MINUTE).every((m) => m.delivered + m.other === 0)).toBe(true);
  });
});
