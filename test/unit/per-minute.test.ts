import { describe, expect, it } from "vitest";
import { createPerMinute, seriesOf } from "../../src/metrics/per-minute.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);

describe("delivery attempts per minute, as one instance counts them", () => {
  it("counts each minute's attempts until they are written, and keeps what is counted after", () => {
    const perMinute = createPerMinute();
    perMinute.record(true, T0 + 1_000);
    perMinute.record(true, T0 + 59_999);
    perMinute.record(false, T0 + 30_000);
    perMinute.record(true, T0 + 2 * MINUTE + 5);
    const taken = perMinute.unflushed();
    expect(taken).toEqual([
      { minute: T0, delivered: 2, other: 1 },
      { minute: T0 + 2 * MINUTE, delivered: 1, other: 0 },
    ]);
    // Counted while the flush was writing: stays for the next one.
    perMinute.record(false, T0 + 2 * MINUTE + 10);
    perMinute.written(taken);
    expect(perMinute.unflushed()).toEqual([{ minute: T0 + 2 * MINUTE, delivered: 0, other: 1 }]);
  });
});

describe("a series of minutes", () => {
  it("adds up each minute's counts, the current minute last, empty minutes as zeros", () => {
    const series = seriesOf(
      [
        { minute: T0, delivered: 2, other: 1 },
        { minute: T0, delivered: 3, other: 0 }, // another instance's count of that minute
        { minute: T0 + 2 * MINUTE, delivered: 1, other: 0 },
        { minute: T0 - 10 * MINUTE, delivered: 7, other: 7 }, // before the window
      ],
      T0 + 2 * MINUTE + 10_000,
      5,
    );
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
      [5, 1],
      [0, 0],
      [1, 0],
    ]);
  });
});
