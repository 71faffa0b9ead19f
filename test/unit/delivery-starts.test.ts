import { describe, expect, it } from "vitest";
import { createStarts, MAX_SLICE, MIN_RATE } from "../../src/delivery/starts.js";

/**
 * Starts whose turns take `turnMs` each on a clock of their own: `now` is
 * read once per slice, so the number of reads so far is the slice's number.
 */
function startsWithTurnsOf(turnMs: number) {
  let clock = 0;
  let slices = 0;
  const starts = createStarts(() => {
    slices++;
    clock += turnMs;
    return clock;
  });
  return {
    starts,
    slice: () => slices,
    idle: (ms: number) => {
      clock += ms;
    },
  };
}

/** Asks for `n` starts; resolves with the slice each one started in, in the order they started. */
async function startAll(
  s: ReturnType<typeof startsWithTurnsOf>,
  n: number,
): Promise<{ order: number[]; sliceOf: number[] }> {
  const order: number[] = [];
  const sliceOf: number[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      s.starts.next().then(() => {
        order.push(i);
        sliceOf.push(s.slice());
      }),
    ),
  );
  return { order, sliceOf };
}

/** How many starts each slice took, slice by slice. */
const sizes = (sliceOf: number[]) => {
  const counts = new Map<number, number>();
  for (const s of sliceOf) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.values()];
};

describe("delivery starts", () => {
  it("starts nothing in the turn that asked, then every start in the order asked", async () => {
    const s = startsWithTurnsOf(1);
    let started = false;
    const first = s.starts.next().then(() => {
      started = true;
    });
    expect(started).toBe(false);
    await first;
    expect(started).toBe(true);
    const { order } = await startAll(s, 500);
    expect(order).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("takes smaller slices while the loop's turns are long, down to the least", async () => {
    const s = startsWithTurnsOf(8);
    const counts = sizes((await startAll(s, 600)).sliceOf);
    expect(counts[0]).toBe(64);
    for (let i = 1; i < counts.length - 1; i++)
      expect(counts[i]).toBeLessThanOrEqual(counts[i - 1] as number);
    // 2,000 a second over turns of 8 ms: 16 a turn.
    expect(counts.slice(-5, -1)).toEqual([16, 16, 16, 16]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(600);
  });

  it("never goes below MIN_RATE a second over turns made long by other work", async () => {
    const long = sizes((await startAll(startsWithTurnsOf(50), 1_000)).sliceOf);
    const least = (MIN_RATE * 50) / 1000;
    expect(long.slice(1, -1).every((n) => n === least)).toBe(true);
  });

  it("takes bigger slices while the turns are short, up to the most", async () => {
    const s = startsWithTurnsOf(0.5);
    const counts = sizes((await startAll(s, 3_000)).sliceOf);
    expect(counts.slice(0, 4)).toEqual([64, 96, 144, 216]);
    expect(counts.slice(4, 8)).toEqual([MAX_SLICE, MAX_SLICE, MAX_SLICE, MAX_SLICE]);
  });

  it("does not count the time the loop was idle, with nothing waiting, as a long turn", async () => {
    const s = startsWithTurnsOf(0.5);
    await startAll(s, 64 + 96);
    s.idle(60_000);
    const counts = sizes((await startAll(s, 1_000)).sliceOf);
    // The slice the last burst ended with; counted as a turn, the idle minute would halve it.
    expect(counts[0]).toBe(96);
  });
});
