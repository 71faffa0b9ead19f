import { describe, expect, it } from "vitest";
import { asHubMessage, asLegsOf } from "../../src/messages/hub-message.js";
import type { LegTrace } from "../../src/messages/legs.js";
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

/** Dependencies whose client answers every call and notes the trace it was given. */
function fakeDeps() {
  const traces: (LegTrace | null | undefined)[] = [];
  return {
    traces,
    deps: {
      name: "deps",
      client: {
        send: async (req: { trace?: LegTrace | null }) => {
          traces.push(req.trace);
          return { status: 200 };
        },
        stats: () => ({ pools: 0 }),
      },
    },
  };
}

const hubMessage = {
  hub: { countryCode: "NL", partyId: "HUB" },
  platformId: "p1",
  module: "sync",
  method: "GET",
  correlationId: "c1",
};

describe("the legs of handshakes and syncs", () => {
  it("are the calls made through the dependencies given to the work, each with the message's trace", async () => {
    const log = fakeLog();
    const { deps, traces } = fakeDeps();
    const own = { message: "other", platformId: "p9" };
    await asLegsOf(log, { message: "m1", platformId: "p1" }, deps, async (d) => {
      expect(d.name).toBe("deps");
      expect(d.client.stats()).toEqual({ pools: 0 });
      await d.client.send({});
      // A call that names its own trace keeps it.
      await d.client.send({ trace: own });
    });
    // The caller's own dependencies are left as they were: their calls are no legs.
    await deps.client.send({});
    expect(traces).toEqual([{ message: "m1", platformId: "p1" }, own, undefined]);
  });

  it("go to the hub's message when the hub starts the exchange, recorded with its outcome", async () => {
    const log = fakeLog();
    const { deps, traces } = fakeDeps();
    await asHubMessage(log, hubMessage, deps, async (d) => {
      await d.client.send({});
      await asLegsOf(log, { message: "inner", platformId: "p2" }, d, (inner) =>
        inner.client.send({}),
      );
      await d.client.send({});
    });
    const id = log.entries[0]?.request_id;
    expect(log.entries[0]).toMatchObject({
      kind: "message",
      outcome: "success",
      to_platform_id: "p1",
    });
    // The inner exchange's trace is named on its calls; the outer one's calls keep the message's.
    expect(traces.map((t) => t?.message)).toEqual([id, "inner", id]);
  });

  it("records a failed hub message when the work throws, and leaves the client untraced with the log off", async () => {
    const log = fakeLog();
    const { deps } = fakeDeps();
    await expect(
      asHubMessage(log, hubMessage, deps, async () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(log.entries[0]?.outcome).toBe("failed");
    const off = { ...fakeLog(), enabled: false };
    await asLegsOf(off, { message: "m3", platformId: "p1" }, deps, async (d) => {
      expect(d).toBe(deps);
    });
  });
});
