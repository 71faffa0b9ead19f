import { describe, expect, it } from "vitest";
import { asHubMessage, asLegsOf, legScope } from "../../src/messages/hub-message.js";
import type { MessageEntry, MessageLog } from "../../src/messages/log.js";

function fakeLog(): MessageLog & { entries: MessageEntry[] } {
  const entries: MessageEntry[] = [];
  return {
    enabled: true,
    bodies: false,
    entries,
    record: (e) => entries.push(typeof e === "function" ? e() : e),
    stats: () => ({ buffered: 0, capacity: 0, dropped: 0, written: 0, failedFlushes: 0, lost: 0 }),
    flush: async () => {},
    close: async () => {},
  };
}

/** Node's AsyncLocalStorage keeps its promise hooks on while `enabled` (not in its typings). */
const scopeOn = () => (legScope as unknown as { enabled: boolean }).enabled;

describe("the legs scope of handshakes and syncs", () => {
  it("is off again once no scope is open, so forwarding pays no promise hooks", async () => {
    const log = fakeLog();
    let inside: unknown;
    await asLegsOf(log, { message: "m1", platformId: "p1" }, async () => {
      await Promise.resolve();
      inside = legScope.getStore()?.message;
    });
    expect(inside).toBe("m1");
    expect(scopeOn()).toBe(false);
    expect(legScope.getStore()).toBeUndefined();
  });

  it("keeps an outer scope's message while an inner one ends, and is off after both", async () => {
    const log = fakeLog();
    const seen: (string | undefined)[] = [];
    await asHubMessage(
      log,
      {
        hub: { countryCode: "NL", partyId: "HUB" },
        platformId: "p1",
        module: "sync",
        method: "GET",
        correlationId: "c1",
      },
      async () => {
        const outer = legScope.getStore()?.message;
        await asLegsOf(log, { message: "inner", platformId: "p2" }, async () => {
          await Promise.resolve();
          seen.push(legScope.getStore()?.message);
        });
        await Promise.resolve();
        seen.push(legScope.getStore()?.message, outer);
        expect(scopeOn()).toBe(true);
      },
    );
    expect(seen[0]).toBe("inner");
    expect(seen[1]).toBe(seen[2]);
    expect(seen[1]).toBe(log.entries[0]?.request_id);
    expect(log.entries[0]?.outcome).toBe("success");
    expect(scopeOn()).toBe(false);
  });

  it("is off again when the work throws", async () => {
    const log = fakeLog();
    await expect(
      asLegsOf(log, { message: "m2", platformId: "p1" }, async () => {
        await Promise.resolve();
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(scopeOn()).toBe(false);
  });
});
