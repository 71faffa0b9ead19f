import { describe, expect, it } from "vitest";
import type { CachedModule } from "../../src/cache/store-shared.js";
import { sharedCurrentCopies } from "../../src/delivery/current-copies.js";
import type { PartyRef } from "../../src/ocpi/parties.js";

/**
 * Current copies shared between sends (delivery/current-copies.ts): a read
 * serves a send only when it started at or after the send's updates were
 * all taken in (asOf), and a location not published to everyone is still
 * read for each recipient.
 */

const CPO: PartyRef = { countryCode: "NL", partyId: "CPO" };

/** A cache whose documents change with `version`, counting its reads; reads answer when released. */
function fakeCache() {
  const calls = { copy: 0, doc: [] as (string | undefined)[] };
  const state = { version: 1, everyone: true, fail: false };
  const pending: (() => void)[] = [];
  const later = <T>(value: () => T) =>
    new Promise<T>((resolve, reject) => {
      pending.push(() =>
        state.fail ? reject(new Error("the database is away")) : resolve(value()),
      );
    });
  return {
    calls,
    state,
    /** Answers every read waiting. */
    release() {
      for (const answer of pending.splice(0)) answer();
    },
    cached: {
      currentCopy(_m: CachedModule, _o: PartyRef, id: string) {
        calls.copy++;
        const version = state.version;
        return later(() => ({ doc: `${id} v${version}`, everyone: state.everyone }));
      },
      currentDoc(_m: CachedModule, _o: PartyRef, id: string, options?: { recipient?: string }) {
        calls.doc.push(options?.recipient);
        return Promise.resolve(`${id} v${state.version} for ${options?.recipient}`);
      },
    },
  };
}

/** A clock the test moves. */
function clock(start = 1_000) {
  const c = { at: start, now: () => c.at };
  return c;
}

describe("shared current copies", () => {
  it("serves every send taken in before a read started with that one read", async () => {
    const cache = fakeCache();
    const time = clock();
    const copies = sharedCurrentCopies(cache.cached, time.now);
    const sends = ["e1", "e2", "e3"].map((recipient) =>
      copies.currentDoc("locations", CPO, "LOC1", { recipient, asOf: 900 }),
    );
    time.at = 1_200;
    sends.push(copies.currentDoc("locations", CPO, "LOC1", { recipient: "e4", asOf: 999 }));
    cache.release();
    expect(await Promise.all(sends)).toEqual(["LOC1 v1", "LOC1 v1", "LOC1 v1", "LOC1 v1"]);
    expect(cache.calls.copy).toBe(1);
  });

  it("reads again for a send that took in an update after the read started", async () => {
    const cache = fakeCache();
    const time = clock();
    const copies = sharedCurrentCopies(cache.cached, time.now);
    const first = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e1", asOf: 1_000 });
    // A newer push is in the cache, then taken in by the second recipient after the read began.
    cache.state.version = 2;
    time.at = 1_005;
    const second = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e2", asOf: 1_003 });
    cache.release();
    expect(await first).toBe("LOC1 v1");
    expect(await second).toBe("LOC1 v2");
    expect(cache.calls.copy).toBe(2);
    // The newer read serves the sends after it.
    const third = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e3", asOf: 1_004 });
    expect(await third).toBe("LOC1 v2");
    expect(cache.calls.copy).toBe(2);
  });

  it("does not share a read that began at the very time a send's update was taken in", async () => {
    const cache = fakeCache();
    const copies = sharedCurrentCopies(cache.cached, clock().now);
    const first = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e1", asOf: 999 });
    const same = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e2", asOf: 1_000 });
    cache.release();
    await Promise.all([first, same]);
    expect(cache.calls.copy).toBe(2);
  });

  it("keeps objects apart", async () => {
    const cache = fakeCache();
    const copies = sharedCurrentCopies(cache.cached, clock().now);
    const a = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e1", asOf: 0 });
    const b = copies.currentDoc("locations", CPO, "LOC2", { recipient: "e1", asOf: 0 });
    const c = copies.currentDoc("tariffs", CPO, "LOC1", { recipient: "e1", asOf: 0 });
    const d = copies.currentDoc("locations", { countryCode: "DE", partyId: "CPO" }, "LOC1", {
      recipient: "e1",
      asOf: 0,
    });
    cache.release();
    expect(await Promise.all([a, b, c, d])).toEqual(["LOC1 v1", "LOC2 v1", "LOC1 v1", "LOC1 v1"]);
    expect(cache.calls.copy).toBe(4);
  });

  it("asks for each recipient's own copy of a location not published to everyone", async () => {
    const cache = fakeCache();
    cache.state.everyone = false;
    const copies = sharedCurrentCopies(cache.cached, clock().now);
    const sends = ["e1", "e2"].map((recipient) =>
      copies.currentDoc("locations", CPO, "LOC9", { recipient, asOf: 0 }),
    );
    cache.release();
    expect(await Promise.all(sends)).toEqual(["LOC9 v1 for e1", "LOC9 v1 for e2"]);
    expect(cache.calls.doc).toEqual(["e1", "e2"]);
  });

  it("reads for the recipient alone when the send gives no time", async () => {
    const cache = fakeCache();
    const copies = sharedCurrentCopies(cache.cached, clock().now);
    expect(await copies.currentDoc("locations", CPO, "LOC1", { recipient: "e1" })).toBe(
      "LOC1 v1 for e1",
    );
    expect(cache.calls).toEqual({ copy: 0, doc: ["e1"] });
  });

  it("does not keep a failed read: the next send reads again", async () => {
    const cache = fakeCache();
    const copies = sharedCurrentCopies(cache.cached, clock().now);
    cache.state.fail = true;
    const failed = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e1", asOf: 0 });
    cache.release();
    await expect(failed).rejects.toThrow("the database is away");
    cache.state.fail = false;
    const next = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e2", asOf: 0 });
    cache.release();
    expect(await next).toBe("LOC1 v1");
    expect(cache.calls.copy).toBe(2);
  });

  it("forgets a read one to two seconds after it", async () => {
    const cache = fakeCache();
    const time = clock();
    const copies = sharedCurrentCopies(cache.cached, time.now);
    const first = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e1", asOf: 0 });
    cache.release();
    await first;
    time.at = 1_999;
    const kept = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e2", asOf: 0 });
    expect(await kept).toBe("LOC1 v1");
    expect(cache.calls.copy).toBe(1);
    time.at = 3_000;
    const fresh = copies.currentDoc("locations", CPO, "LOC1", { recipient: "e3", asOf: 0 });
    cache.release();
    expect(await fresh).toBe("LOC1 v1");
    expect(cache.calls.copy).toBe(2);
  });
});
