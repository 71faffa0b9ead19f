import { describe, expect, it } from "vitest";
import { AuthLockout, addressKey } from "../../src/ingress/lockout.js";
import { PlatformLimiter } from "../../src/ingress/platform-limits.js";

/** A clock the test moves by hand (milliseconds). */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("AuthLockout", () => {
  const failTimes = (lockout: AuthLockout, address: string, n: number) => {
    let last = 0;
    for (let i = 0; i < n; i++) last = lockout.failed(address);
    return last;
  };

  it("locks an address on the 101st failure within 60 s, for 5 s", () => {
    const clock = manualClock();
    const lockout = new AuthLockout({ now: clock.now });
    expect(failTimes(lockout, "10.0.0.1", 100)).toBe(0);
    expect(lockout.lockedFor("10.0.0.1")).toBe(0);
    expect(lockout.failed("10.0.0.1")).toBe(5_000);
    expect(lockout.lockedFor("10.0.0.1")).toBe(5_000);
    expect(lockout.lockedFor("10.0.0.2"), "another address").toBe(0);
    clock.advance(4_999);
    expect(lockout.lockedFor("10.0.0.1")).toBe(1);
    clock.advance(1);
    expect(lockout.lockedFor("10.0.0.1")).toBe(0);
  });

  it("does not lock 100 failures spread over more than the window", () => {
    const clock = manualClock();
    const lockout = new AuthLockout({ now: clock.now });
    for (let i = 0; i < 300; i++) {
      expect(lockout.failed("10.0.0.1"), `failure ${i + 1}`).toBe(0);
      clock.advance(1_000);
    }
  });

  it("doubles each further lockout up to 5 minutes, and a success starts afresh", () => {
    const clock = manualClock();
    const lockout = new AuthLockout({ now: clock.now });
    const lockouts: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Fail until locked; once the first failures leave the window it takes more again.
      let lock = 0;
      while (lock === 0) lock = lockout.failed("10.0.0.1");
      lockouts.push(lock / 1000);
      clock.advance(lock);
    }
    expect(lockouts).toEqual([5, 10, 20, 40, 80, 160, 300, 300]);

    lockout.succeeded("10.0.0.1");
    expect(lockout.size).toBe(0);
    expect(failTimes(lockout, "10.0.0.1", 101)).toBe(5_000);
  });

  it("escalates one step per lockout while failures go on", () => {
    const clock = manualClock();
    const lockout = new AuthLockout({ now: clock.now });
    expect(failTimes(lockout, "10.0.0.1", 101)).toBe(5_000);
    // Refused while locked: a failure then neither counts nor extends the lockout.
    expect(lockout.failed("10.0.0.1")).toBe(5_000);
    clock.advance(5_000);
    expect(lockout.failed("10.0.0.1")).toBe(10_000);
    clock.advance(10_000);
    expect(lockout.failed("10.0.0.1")).toBe(20_000);
  });

  it("starts short again after a quiet spell as long as the longest lockout", () => {
    const clock = manualClock();
    const lockout = new AuthLockout({ now: clock.now });
    failTimes(lockout, "10.0.0.1", 101);
    clock.advance(5_000);
    expect(lockout.failed("10.0.0.1")).toBe(10_000);
    clock.advance(10_000 + 5 * 60_000 + 1);
    expect(failTimes(lockout, "10.0.0.1", 101)).toBe(5_000);
  });

  it("keeps at most maxAddresses, forgetting the least recently seen", () => {
    const clock = manualClock();
    const lockout = new AuthLockout({ now: clock.now, maxAddresses: 1_000, threshold: 2 });
    failTimes(lockout, "10.0.0.1", 3);
    expect(lockout.lockedFor("10.0.0.1")).toBeGreaterThan(0);
    for (let i = 0; i < 5_000; i++) lockout.failed(`10.1.${i >> 8}.${i & 255}`);
    expect(lockout.size).toBeLessThanOrEqual(1_000);
    expect(lockout.lockedFor("10.0.0.1")).toBe(0);
  });

  it("counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("192.0.2.7")).toBe("192.0.2.7");

    const lockout = new AuthLockout({ now: manualClock().now, threshold: 3 });
    for (let i = 1; i <= 4; i++) lockout.failed(`2001:db8:1:2::${i}`);
    expect(lockout.lockedFor("2001:db8:1:2:ffff::9")).toBeGreaterThan(0);
    expect(lockout.lockedFor("2001:db8:1:3::1")).toBe(0);
  });
});

describe("PlatformLimiter", () => {
  it("admits a burst of one second's worth, then the rate", () => {
    const clock = manualClock();
    const limits = new PlatformLimiter({ ratePerSecond: 10, maxInFlight: 1_000, now: clock.now });
    for (let i = 0; i < 10; i++) {
      expect(limits.admit("a"), `request ${i + 1}`).toBeUndefined();
      limits.release("a");
    }
    expect(limits.admit("a")).toEqual({ limit: "rate", waitMs: 100 });
    expect(limits.admit("b"), "another platform").toBeUndefined();
    clock.advance(100);
    expect(limits.admit("a")).toBeUndefined();
    expect(limits.admit("a")?.limit).toBe("rate");
    clock.advance(10_000);
    // Never more than the burst, however long it was quiet.
    for (let i = 0; i < 10; i++) expect(limits.admit("a")).toBeUndefined();
    expect(limits.admit("a")?.limit).toBe("rate");
  });

  it("admits at most maxInFlight at a time; a refusal costs no budget", () => {
    const clock = manualClock();
    const limits = new PlatformLimiter({ ratePerSecond: 100, maxInFlight: 3, now: clock.now });
    for (let i = 0; i < 3; i++) expect(limits.admit("a")).toBeUndefined();
    expect(limits.inFlight("a")).toBe(3);
    for (let i = 0; i < 50; i++)
      expect(limits.admit("a")).toEqual({ limit: "concurrency", waitMs: 1_000 });
    limits.release("a");
    expect(limits.admit("a")).toBeUndefined();
    expect(limits.admit("b")).toBeUndefined();
    // 5 of the burst of 100 were spent, the 50 refusals cost nothing.
    for (let i = 0; i < 4; i++) limits.release("a");
    for (let i = 0; i < 96; i++) {
      expect(limits.admit("a"), `request ${i}`).toBeUndefined();
      limits.release("a");
    }
    expect(limits.admit("a")?.limit).toBe("rate");
  });
});
