import { afterEach, describe, expect, it, vi } from "vitest";
import { deliverySubject } from "../../src/bus/names.js";
import { createMemoryQueue } from "../../src/delivery/memory-queue.js";
import {
  collapse,
  type Delivery,
  type DeliveryQueue,
  objectKey,
  type QueuedDelivery,
} from "../../src/delivery/queue.js";
import { eventually } from "../support/fake-platform.js";

const CPO = { countryCode: "NL", partyId: "CPO" };
const EMSP = { countryCode: "DE", partyId: "EMS" };

/** A location push as the hub queues it for recipient R1. */
function locationPush(path: string, method: Delivery["method"], body: unknown): Delivery {
  return {
    recipient: "R1",
    module: "locations",
    key: objectKey(CPO, "LOC1"),
    method,
    path,
    query: "",
    body: JSON.stringify(body),
    to: EMSP,
    correlationId: "corr-location",
    acceptedAt: 1,
  };
}

/** A token push of DE/EMS's token `uid` for recipient R1. */
function tokenPush(method: "PUT" | "PATCH", body: unknown, uid = "UID1", type = "RFID"): Delivery {
  return {
    recipient: "R1",
    module: "tokens",
    key: objectKey(EMSP, uid, type),
    method,
    path: `/DE/EMS/${uid}`,
    query: type === "RFID" ? "" : `type=${type}`,
    body: JSON.stringify(body),
    to: CPO,
    correlationId: `corr-${method}`,
    acceptedAt: 1,
  };
}

/** A delivery of its own object `id` to `recipient`. */
function other(id: string, recipient = "R1"): Delivery {
  return { ...tokenPush("PUT", { uid: id }, id), recipient };
}

const bodyOf = (d: Delivery) => JSON.parse(d.body as string) as Record<string, unknown>;

describe("objectKey", () => {
  it("joins the owner's codes, the token type and the id, all upper-case", () => {
    expect(objectKey(CPO)).toBe("NL-CPO");
    expect(objectKey(CPO, "LOC1")).toBe("NL-CPO-LOC1");
    expect(objectKey({ countryCode: "nl", partyId: "cpo" }, "loc1")).toBe("NL-CPO-LOC1");
    expect(objectKey(EMSP, "uid_9", "app_user")).toBe("DE-EMS-APP_USER-UID_9");
  });

  it("keeps ids with other characters as one subject token, and case-insensitively equal ids equal", () => {
    for (const id of ["LOC.1", "LOC 1", "*", ">", "LOC-1", "Straße/5", "a.b.c"]) {
      const key = objectKey(CPO, id);
      expect(key, id).toMatch(/^NL-CPO-=[A-Za-z0-9_-]+$/);
      expect(objectKey(CPO, id.toLowerCase()), id).toBe(objectKey(CPO, id.toUpperCase()));
      const subject = deliverySubject({ recipient: "R1", module: "locations", key });
      expect(subject.split("."), id).toHaveLength(5);
    }
    expect(objectKey(CPO, "LOC.1")).not.toBe(objectKey(CPO, "LOC.2"));
    expect(objectKey(CPO, "LOC-1")).not.toBe(objectKey(CPO, "LOC_1"));
  });

  it("tells tokens of one uid apart by type, and tokens from locations", () => {
    expect(objectKey(EMSP, "UID1", "RFID")).not.toBe(objectKey(EMSP, "UID1", "APP_USER"));
    expect(objectKey(EMSP, "UID1", "RFID")).not.toBe(objectKey(EMSP, "UID1"));
  });

  it("names the subject ocpi.deliver.<recipient>.<module>.<key>", () => {
    expect(deliverySubject({ recipient: "p-1", module: "tariffs", key: "NL-CPO-T1" })).toBe(
      "ocpi.deliver.p-1.tariffs.NL-CPO-T1",
    );
  });
});

describe("collapse", () => {
  const put = locationPush("/NL/CPO/LOC1", "PUT", { id: "LOC1", name: "A" });

  it("keeps an update that nothing waits before", () => {
    const patch = locationPush("/NL/CPO/LOC1/3256", "PATCH", { status: "CHARGING" });
    expect(collapse(undefined, patch)).toBe(patch);
    const token = tokenPush("PATCH", { valid: false });
    expect(collapse(undefined, token)).toBe(token);
  });

  it("turns piled-up location updates into the current copy of the location, whatever their path", () => {
    const patch = locationPush("/NL/CPO/LOC1/3256/1", "PATCH", { max_voltage: 400 });
    const next = collapse(put, patch);
    expect(next.method).toBe("PUT");
    expect(next.body).toBeUndefined();
    expect(next.current).toEqual({ owner: CPO, id: "LOC1" });
    expect(next.key).toBe(patch.key);
    expect(next.correlationId).toBe(patch.correlationId);
  });

  it("reads the current copy's id percent-decoded from the path", () => {
    const encoded = { ...put, path: "/NL/CPO/LOC%201%2FB" };
    const next = collapse(encoded, { ...encoded, method: "PATCH" });
    expect(next.current).toEqual({ owner: CPO, id: "LOC 1/B" });
  });

  it("turns a tariff DELETE over a waiting PUT into the current copy too", () => {
    const tariffPut: Delivery = {
      ...put,
      module: "tariffs",
      key: objectKey(CPO, "T1"),
      path: "/NL/CPO/T1",
      body: JSON.stringify({ id: "T1" }),
    };
    const next = collapse(tariffPut, { ...tariffPut, method: "DELETE", body: undefined });
    expect(next.current).toEqual({ owner: CPO, id: "T1" });
    expect(next.method).toBe("PUT");
  });

  it("keeps an update that is a current copy already", () => {
    const current = { ...put, body: undefined, current: { owner: CPO, id: "LOC1" } };
    expect(collapse(put, current)).toBe(current);
  });

  it("lays a token PATCH over a waiting PUT: a PUT with every field, the newer value winning", () => {
    const waiting = tokenPush("PUT", { uid: "UID1", valid: true, whitelist: "ALWAYS", n: 1 });
    const patch = tokenPush("PATCH", { valid: false, last_updated: "2026-01-01T00:00:00Z" });
    const next = collapse(waiting, { ...patch, path: "/DE/EMS/uid1" });
    expect(next.method).toBe("PUT");
    expect(next.path).toBe("/DE/EMS/UID1");
    expect(bodyOf(next)).toEqual({
      uid: "UID1",
      valid: false,
      whitelist: "ALWAYS",
      n: 1,
      last_updated: "2026-01-01T00:00:00Z",
    });
    expect(next.correlationId).toBe(patch.correlationId);
  });

  it("lays a token PATCH over a waiting PATCH, and keeps the query", () => {
    const first = tokenPush("PATCH", { valid: false }, "UID1", "APP_USER");
    const second = tokenPush("PATCH", { whitelist: "NEVER" }, "UID1", "APP_USER");
    const next = collapse(first, second);
    expect(next.method).toBe("PATCH");
    expect(next.query).toBe("type=APP_USER");
    expect(bodyOf(next)).toEqual({ valid: false, whitelist: "NEVER" });
  });

  it("lets a token PUT replace whatever waits", () => {
    const patch = tokenPush("PATCH", { valid: false });
    const replacement = tokenPush("PUT", { uid: "UID1", valid: true });
    expect(collapse(patch, replacement)).toBe(replacement);
  });

  it("lets a ClientInfo replace the waiting one", () => {
    const info = (status: string): Delivery => ({
      recipient: "R1",
      module: "hubclientinfo",
      key: objectKey(CPO),
      method: "PUT",
      path: "/NL/CPO",
      query: "",
      body: JSON.stringify({ status }),
      correlationId: status,
      acceptedAt: 1,
    });
    const next = collapse(info("CONNECTED"), info("OFFLINE"));
    expect(bodyOf(next)).toEqual({ status: "OFFLINE" });
    expect(next.current).toBeUndefined();
  });
});

/** A handler that records what it is handed and leaves settling to the test. */
function recorder() {
  const handed: QueuedDelivery[] = [];
  let active = 0;
  let peak = 0;
  const gates: (() => void)[] = [];
  return {
    handed,
    get active() {
      return active;
    },
    get peak() {
      return peak;
    },
    /** Lets every handler still running return. */
    openAll() {
      for (const open of gates.splice(0)) open();
    },
    /** Records the delivery and returns once openAll() is called; settling is the test's. */
    handle: async (q: QueuedDelivery) => {
      handed.push(q);
      active++;
      peak = Math.max(peak, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
    },
  };
}

let queue: DeliveryQueue;
const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await queue?.close();
});

/** Starts consuming R1's deliveries; the consumer stops after the test. */
function consume(r: ReturnType<typeof recorder>, concurrency = 16, recipient = "R1") {
  const consumption = queue.consume(recipient, concurrency, r.handle);
  stops.push(async () => {
    r.openAll();
    await consumption.stop();
  });
  return consumption;
}

describe("the in-memory delivery queue", () => {
  it("is not durable", () => {
    queue = createMemoryQueue();
    expect(queue.durable).toBe(false);
  });

  it("keeps only the newest undelivered update of an object: one hand-out, with the newer sequence", async () => {
    queue = createMemoryQueue();
    await queue.open("R1");
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true }));
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: false }));
    expect(await queue.backlog("R1")).toEqual({ pending: 1, inFlight: 0 });

    const r = recorder();
    consume(r);
    await eventually(() => r.handed.length === 1);
    const [only] = r.handed as [QueuedDelivery];
    expect(bodyOf(only.delivery)).toEqual({ uid: "UID1", valid: false });
    expect(only.attempts).toBe(0);
    only.ack();
    r.openAll();
    await eventually(async () => (await queue.backlog("R1")).pending === 0);
    expect(r.handed).toHaveLength(1);
  });

  it("gives a newer update of an object a higher sequence than the one it replaces", async () => {
    queue = createMemoryQueue();
    const r = recorder();
    consume(r, 1);
    await queue.publish(other("A"));
    await eventually(() => r.handed.length === 1);
    const first = r.handed[0] as QueuedDelivery;
    first.ack();
    r.openAll();
    await queue.publish(other("A"));
    await eventually(() => r.handed.length === 2);
    expect((r.handed[1] as QueuedDelivery).seq).toBeGreaterThan(first.seq);
  });

  it("merges a token PATCH into the waiting PUT and hands out one PUT with every field", async () => {
    queue = createMemoryQueue();
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true, whitelist: "ALWAYS" }));
    await queue.publish(tokenPush("PATCH", { valid: false }));
    await queue.publish(tokenPush("PATCH", { whitelist: "NEVER" }));
    const r = recorder();
    consume(r);
    await eventually(() => r.handed.length === 1);
    const { delivery } = r.handed[0] as QueuedDelivery;
    expect(delivery.method).toBe("PUT");
    expect(delivery.path).toBe("/DE/EMS/UID1");
    expect(bodyOf(delivery)).toEqual({ uid: "UID1", valid: false, whitelist: "NEVER" });
  });

  it("turns piled-up location updates into one hand-out of the current copy", async () => {
    queue = createMemoryQueue();
    await queue.publish(locationPush("/NL/CPO/LOC1", "PUT", { id: "LOC1" }));
    await queue.publish(locationPush("/NL/CPO/LOC1/3256", "PATCH", { status: "CHARGING" }));
    await queue.publish(locationPush("/NL/CPO/LOC1/3257", "PATCH", { status: "BLOCKED" }));
    const r = recorder();
    consume(r);
    await eventually(() => r.handed.length === 1);
    const { delivery } = r.handed[0] as QueuedDelivery;
    expect(delivery.method).toBe("PUT");
    expect(delivery.body).toBeUndefined();
    expect(delivery.current).toEqual({ owner: CPO, id: "LOC1" });
  });

  it("hands out different objects in parallel, never more than the concurrency at once", async () => {
    queue = createMemoryQueue();
    for (const id of ["A", "B", "C", "D", "E"]) await queue.publish(other(id));
    const r = recorder();
    consume(r, 3);
    await eventually(() => r.handed.length === 3);
    expect(r.active).toBe(3);
    expect(await queue.backlog("R1")).toEqual({ pending: 2, inFlight: 3 });
    // In publish order.
    expect(r.handed.map((q) => q.delivery.key)).toEqual(
      ["A", "B", "C"].map((id) => objectKey(EMSP, id, "RFID")),
    );

    for (const q of r.handed) q.ack();
    r.openAll();
    await eventually(() => r.handed.length === 5);
    for (const q of r.handed.slice(3)) q.ack();
    r.openAll();
    await eventually(async () => (await queue.backlog("R1")).inFlight === 0);
    expect(r.peak).toBe(3);
    expect(new Set(r.handed.map((q) => q.delivery.key)).size).toBe(5);
    expect(await queue.backlog("R1")).toEqual({ pending: 0, inFlight: 0 });
  });

  it("hands a retried delivery out again after its delay with one attempt more, and meanwhile the others", async () => {
    queue = createMemoryQueue();
    await queue.publish(other("SLOW"));
    await queue.publish(other("SOON"));
    const r = recorder();
    consume(r, 1);
    await eventually(() => r.handed.length === 1);
    const slow = r.handed[0] as QueuedDelivery;
    expect(slow.delivery.key).toBe(objectKey(EMSP, "SLOW", "RFID"));
    slow.retry(60_000);
    r.openAll();

    await eventually(() => r.handed.length === 2);
    const soon = r.handed[1] as QueuedDelivery;
    expect(soon.delivery.key).toBe(objectKey(EMSP, "SOON", "RFID"));
    expect(soon.attempts).toBe(0);
    soon.retry(10);
    r.openAll();
    await eventually(() => r.handed.length === 3);
    const again = r.handed[2] as QueuedDelivery;
    expect(again.delivery).toEqual(soon.delivery);
    expect(again.seq).toBe(soon.seq);
    expect(again.attempts).toBe(1);
    again.retry(10);
    r.openAll();
    await eventually(() => r.handed.length === 4);
    expect((r.handed[3] as QueuedDelivery).attempts).toBe(2);
    (r.handed[3] as QueuedDelivery).ack();
    r.openAll();

    // The one put off for a minute still waits, not handed out.
    await eventually(async () => (await queue.backlog("R1")).inFlight === 0);
    expect(await queue.backlog("R1")).toEqual({ pending: 1, inFlight: 0 });
    expect(r.handed.filter((q) => q.delivery.key === slow.delivery.key)).toHaveLength(1);
  });

  it("hands every retried delivery out again, also where it is the recipient's only one", async () => {
    queue = createMemoryQueue();
    // Many short retries: a retry timer may fire a moment before the wall clock reaches its delay.
    const RETRIES = 4;
    const recipients = Array.from({ length: 500 }, (_, i) => `R${i}`);
    const attempts = new Map<string, number[]>();
    for (const [i, recipient] of recipients.entries()) {
      await queue.publish(other("A", recipient));
      attempts.set(recipient, []);
      const consumption = queue.consume(recipient, 16, async (q) => {
        attempts.get(recipient)?.push(q.attempts);
        if (q.attempts < RETRIES) q.retry(2 + ((i + q.attempts) % 30));
        else q.ack();
      });
      stops.push(() => consumption.stop());
    }
    const all = [0, 1, 2, 3, 4];
    const stuck = () => recipients.filter((r) => attempts.get(r)?.length !== all.length);
    await eventually(() => stuck().length === 0, 5_000).catch(() => {
      throw new Error(`${stuck().length} of 500 recipients stopped getting their retried delivery`);
    });
    for (const r of recipients) expect(attempts.get(r), r).toEqual(all);
    expect(await queue.backlog("R0")).toEqual({ pending: 0, inFlight: 0 });
  });

  it("hands a retried delivery out again when the wall clock is set back while it waits", async () => {
    queue = createMemoryQueue();
    await queue.publish(other("A"));
    const r = recorder();
    consume(r);
    await eventually(() => r.handed.length === 1);
    const first = r.handed[0] as QueuedDelivery;
    first.retry(20);
    // A time-sync step: the wall clock goes back a second during the retry delay.
    const now = Date.now.bind(Date);
    const step = vi.spyOn(Date, "now").mockImplementation(() => now() - 1_000);
    try {
      r.openAll();
      await eventually(() => r.handed.length === 2, 5_000);
    } finally {
      step.mockRestore();
    }
    const again = r.handed[1] as QueuedDelivery;
    expect(again.seq).toBe(first.seq);
    expect(again.attempts).toBe(1);
  });

  it("lets a newer update of a retried object go out at once, as a first attempt", async () => {
    queue = createMemoryQueue();
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true }));
    const r = recorder();
    consume(r);
    await eventually(() => r.handed.length === 1);
    (r.handed[0] as QueuedDelivery).retry(60_000);
    r.openAll();
    await queue.publish(tokenPush("PATCH", { valid: false }));
    await eventually(() => r.handed.length === 2);
    const next = r.handed[1] as QueuedDelivery;
    expect(next.attempts).toBe(0);
    expect(next.delivery.method).toBe("PUT");
    expect(bodyOf(next.delivery)).toEqual({ uid: "UID1", valid: false });
  });

  it("drops a delivery for good on drop()", async () => {
    queue = createMemoryQueue();
    await queue.publish(other("A"));
    const r = recorder();
    consume(r);
    await eventually(() => r.handed.length === 1);
    (r.handed[0] as QueuedDelivery).drop();
    r.openAll();
    await eventually(async () => (await queue.backlog("R1")).inFlight === 0);
    expect(await queue.backlog("R1")).toEqual({ pending: 0, inFlight: 0 });
    expect(r.handed).toHaveLength(1);
  });

  it("purges one recipient's deliveries and says how many", async () => {
    queue = createMemoryQueue();
    for (const id of ["A", "B", "C"]) await queue.publish(other(id, "R1"));
    await queue.publish(other("A", "R1"));
    await queue.publish(other("A", "R2"));
    expect(await queue.backlog("R1")).toEqual({ pending: 3, inFlight: 0 });
    expect(await queue.purge("R1")).toBe(3);
    expect(await queue.backlog("R1")).toEqual({ pending: 0, inFlight: 0 });
    expect(await queue.backlog("R2")).toEqual({ pending: 1, inFlight: 0 });
    expect(await queue.purge("R1")).toBe(0);
    expect(await queue.purge("NOBODY")).toBe(0);
    expect(await queue.backlog("NOBODY")).toEqual({ pending: 0, inFlight: 0 });
  });

  it("counts a handed-out delivery as in flight until it is settled", async () => {
    queue = createMemoryQueue();
    for (const id of ["A", "B", "C"]) await queue.publish(other(id));
    const r = recorder();
    consume(r, 1);
    await eventually(() => r.handed.length === 1);
    expect(await queue.backlog("R1")).toEqual({ pending: 2, inFlight: 1 });
    (r.handed[0] as QueuedDelivery).ack();
    r.openAll();
    await eventually(() => r.handed.length === 2);
    expect(await queue.backlog("R1")).toEqual({ pending: 1, inFlight: 1 });
  });

  it("keeps a newer update that replaced a handed-out one when the old one is acked", async () => {
    queue = createMemoryQueue();
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true }));
    const r = recorder();
    consume(r, 1);
    await eventually(() => r.handed.length === 1);
    const old = r.handed[0] as QueuedDelivery;

    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: false }));
    old.ack();
    expect(await queue.backlog("R1")).toEqual({ pending: 1, inFlight: 0 });
    r.openAll();

    await eventually(() => r.handed.length === 2);
    const newer = r.handed[1] as QueuedDelivery;
    expect(newer.seq).toBeGreaterThan(old.seq);
    expect(newer.attempts).toBe(0);
    expect(bodyOf(newer.delivery)).toEqual({ uid: "UID1", valid: false });
    expect(await queue.backlog("R1")).toEqual({ pending: 0, inFlight: 1 });
  });

  it("keeps a newer update that replaced a handed-out one when the old one is retried or dropped", async () => {
    queue = createMemoryQueue();
    await queue.publish(other("A"));
    await queue.publish(other("B"));
    const r = recorder();
    consume(r, 2);
    await eventually(() => r.handed.length === 2);
    const [a, b] = r.handed as [QueuedDelivery, QueuedDelivery];
    await queue.publish(other("A"));
    await queue.publish(other("B"));
    a.retry(60_000);
    b.drop();
    expect(await queue.backlog("R1")).toEqual({ pending: 2, inFlight: 0 });
    r.openAll();
    await eventually(() => r.handed.length === 4);
    expect(r.handed.slice(2).map((q) => q.seq > Math.max(a.seq, b.seq))).toEqual([true, true]);
    expect(r.handed.slice(2).map((q) => q.attempts)).toEqual([0, 0]);
  });

  it("hands a delivery out again after a handler failed, one attempt more", async () => {
    queue = createMemoryQueue();
    await queue.publish(other("A"));
    const handed: QueuedDelivery[] = [];
    const consumption = queue.consume("R1", 4, async (q) => {
      handed.push(q);
      if (handed.length === 1) throw new Error("handler failed");
      q.ack();
    });
    stops.push(() => consumption.stop());
    await eventually(() => handed.length === 2, 10_000);
    expect((handed[1] as QueuedDelivery).attempts).toBe(1);
    expect((handed[1] as QueuedDelivery).seq).toBe((handed[0] as QueuedDelivery).seq);
    await eventually(async () => (await queue.backlog("R1")).inFlight === 0);
    expect(await queue.backlog("R1")).toEqual({ pending: 0, inFlight: 0 });
  });

  it("hands what a stopped consumer left unsettled to the next consumer", async () => {
    queue = createMemoryQueue();
    await queue.publish(other("A"));
    const first: QueuedDelivery[] = [];
    const stopping = queue.consume("R1", 4, async (q) => {
      first.push(q);
    });
    await eventually(() => first.length === 1);
    await stopping.stop();
    await queue.publish(other("B"));
    expect(first).toHaveLength(1);
    expect(await queue.backlog("R1")).toEqual({ pending: 2, inFlight: 0 });

    const r = recorder();
    consume(r);
    await eventually(() => r.handed.length === 2);
    expect(r.handed.map((q) => q.delivery.key).sort()).toEqual(
      [objectKey(EMSP, "A", "RFID"), objectKey(EMSP, "B", "RFID")].sort(),
    );
  });

  it("forgets a removed recipient's deliveries", async () => {
    queue = createMemoryQueue();
    await queue.publish(other("A"));
    await queue.publish(other("B"));
    await queue.remove("R1");
    expect(await queue.backlog("R1")).toEqual({ pending: 0, inFlight: 0 });
    expect(await queue.purge("R1")).toBe(0);
  });
});
