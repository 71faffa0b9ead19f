import { describe, expect, it } from "vitest";
import { scanWindow } from "../../src/cache/store.js";

/** The page a window yields from a list of `total` rows numbered 0…total-1. */
function rows(offset: number, limit: number, total: number): number[] {
  const w = scanWindow({ offset, limit }, total);
  if (w === undefined) return [];
  const all = Array.from({ length: total }, (_, i) => i);
  const order = w.backwards ? all.slice().reverse() : all;
  return order.slice(w.offset, w.offset + w.limit).sort((a, b) => a - b);
}

describe("which rows of the list index a page reads", () => {
  it("gives the same rows as a plain offset scan, from either end", () => {
    for (const total of [0, 1, 7, 100, 101]) {
      for (const offset of [0, 1, 3, 50, 99, 100, 150]) {
        for (const limit of [0, 1, 3, 100, 500]) {
          const expected = Array.from({ length: total }, (_, i) => i).slice(offset, offset + limit);
          expect(rows(offset, limit, total), `${offset}+${limit} of ${total}`).toEqual(expected);
        }
      }
    }
  });

  it("skips from the nearer end: the last page of 100,000 skips nothing", () => {
    expect(scanWindow({ offset: 99_900, limit: 100 }, 100_000)).toEqual({
      offset: 0,
      limit: 100,
      backwards: true,
    });
    expect(scanWindow({ offset: 0, limit: 100 }, 100_000)).toEqual({
      offset: 0,
      limit: 100,
      backwards: false,
    });
    expect(scanWindow({ offset: 49_950, limit: 100 }, 100_000)?.offset).toBe(49_950);
    expect(scanWindow({ offset: 100_000, limit: 100 }, 100_000)).toBeUndefined();
  });
});
