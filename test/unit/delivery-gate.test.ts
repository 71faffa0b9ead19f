import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createGate } from "../../src/delivery/gate.js";

describe("a recipient's send gate", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("closes on a failure, lets one probe through after the delay, doubles the delay after a failed probe and opens on an answer", () => {
    const reopened = vi.fn();
    const gate = createGate(250, 15_000, reopened);
    expect(gate.closed()).toBe(false);
    expect(gate.probe()).toBe(false);

    expect(gate.failed(false, 60_000)).toBe(1);
    expect(gate.closed()).toBe(true);
    // Sends that were in flight when it closed fail too: the delay does not grow for them.
    expect(gate.failed(false, 60_000)).toBe(1);
    vi.advanceTimersByTime(249);
    expect(gate.closed()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(reopened).toHaveBeenCalledTimes(1);
    expect(gate.closed()).toBe(false);

    expect(gate.probe()).toBe(true);
    // While the probe is out, nothing else goes.
    expect(gate.closed()).toBe(true);
    expect(gate.failed(true, 60_000)).toBe(2);
    vi.advanceTimersByTime(499);
    expect(gate.closed()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(gate.closed()).toBe(false);

    expect(gate.probe()).toBe(true);
    gate.open();
    gate.answered(true);
    expect(gate.closed()).toBe(false);
    expect(gate.probe()).toBe(false);
  });

  it("never waits past the time left in the delivery window, nor past the longest delay", () => {
    const gate = createGate(250, 1_000, () => {});
    gate.failed(false, 60_000);
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(1_000);
      expect(gate.closed(), `after probe ${i}`).toBe(false);
      gate.probe();
      gate.failed(true, 60_000);
    }
    gate.probe();
    gate.failed(true, 100);
    vi.advanceTimersByTime(100);
    expect(gate.closed()).toBe(false);
  });
});
