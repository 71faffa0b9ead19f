import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { deliverySubject, type NatsNames, natsNames } from "../../src/bus/names.js";
import { connectNats } from "../../src/bus/nats-bus.js";
import { createJetStreamQueue } from "../../src/delivery/jetstream-queue.js";
import { createMemoryQueue } from "../../src/delivery/memory-queue.js";
import {
  type Backlog,
  collapse,
  type Delivery,
  type DeliveryQueue,
  objectKey,
  type QueuedDelivery,
} from "../../src/delivery/queue.js";
import { createLogger } from "../../src/logging/logger.js";
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

  it("keeps the waiting value of a member a later PATCH sends as null: a PATCH removes nothing", () => {
    const waiting = tokenPush("PUT", {
      uid: "UID1",
      visual_number: "DF000-2001-8999",
      valid: true,
    });
    const patch = tokenPush("PATCH", { visual_number: null, valid: false, group_id: null });
    const next = collapse(waiting, patch);
    expect(next.method).toBe("PUT");
    expect(bodyOf(next)).toEqual({
      uid: "UID1",
      visual_number: "DF000-2001-8999",
      valid: false,
      group_id: null,
    });
  });

  it("lays a token PATCH over a waiting PATCH, and keeps the query", () => {
    const first = tokenPush("PATCH", { valid: false }, "UID1", "APP_USER");
    const second = tokenPush("PATCH", { whitelist: "NEVER" }, "UID1", "APP_USER");
    const next = collapse(first, second);
    expect(next.method).toBe("PATCH");
    expect(next.query).toBe("type=APP_USER");
    expect(bodyOf(next)).toEqual({ valid: false, whitelist: "NEVER" });
  });

  it("keeps a waiting current copy of a token under a PATCH: the cache took the PATCH first", () => {
    const current: Delivery = {
      ...tokenPush("PUT", {}, "UID1", "APP_USER"),
      body: undefined,
      current: { owner: EMSP, id: "UID1", type: "APP_USER" },
    };
    const patch = tokenPush("PATCH", { valid: false }, "UID1", "APP_USER");
    const next = collapse(current, patch);
    expect(next.method).toBe("PUT");
    expect(next.body).toBeUndefined();
    expect(next.current).toEqual({ owner: EMSP, id: "UID1", type: "APP_USER" });
    expect(next.correlationId).toBe(patch.correlationId);
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

/** A DeliveryQueue implementation the queue tests run against. */
interface QueueUnderTest {
  name: string;
  durable: boolean;
  /**
   * Whether the backlog splits exactly into pending and in flight. JetStream
   * pulls deliveries ahead of the handler, so one waiting for a free slot or
   * out a retry delay counts as in flight there: only the sum is compared.
   */
  exactBacklog: boolean;
  create(): Promise<DeliveryQueue>;
  /** Removes what the last queue left behind. */
  dispose(): Promise<void>;
}

const memory: QueueUnderTest = {
  name: "in-memory",
  durable: false,
  exactBacklog: true,
  create: async () => createMemoryQueue(),
  dispose: async () => {},
};

// biome-ignore lint/style/noProcessEnv: the JetStream queue runs on the test run's NATS server
const NATS_URL = process.env.NATS_URL ?? "";
/** Every JetStream queue of this run has a stream of its own, deleted after its test. */
const RUN = randomBytes(4).toString("hex");
let nc: NatsConnection | undefined;
let names: NatsNames | undefined;
/** Every stream this run created, deleted at the end even where a test did not get to it. */
const streams: string[] = [];

async function deleteStream(stream: string): Promise<void> {
  if (nc === undefined) return;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => {});
}

const jetStream: QueueUnderTest = {
  name: "JetStream",
  durable: true,
  exactBacklog: false,
  async create() {
    const logger = createLogger("silent");
    nc ??= await connectNats(NATS_URL, logger);
    names = natsNames(`queuetest_${RUN}_${streams.length + 1}`);
    streams.push(names.deliveryStream, names.pushStream);
    // Short, so that what a stopped consumer left unsettled comes back within a test.
    return createJetStreamQueue(nc, logger, { ackWaitMs: 2_000, names });
  },
  async dispose() {
    if (names === undefined) return;
    await deleteStream(names.deliveryStream);
    await deleteStream(names.pushStream);
    names = undefined;
  },
};

afterAll(async () => {
  for (const stream of streams) await deleteStream(stream);
  await nc?.close();
});

const IMPLEMENTATIONS = NATS_URL === "" ? [memory] : [memory, jetStream];

let queue: DeliveryQueue;
let impl: QueueUnderTest;
const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await queue?.close();
  await impl?.dispose();
});

/**
 * The recipient's backlog is `expected`. Where the queue does not tell
 * pending from in flight, their sum, once the server has taken in the
 * settlements (an ack reaches JetStream after the call returns).
 */
async function expectBacklog(recipient: string, expected: Backlog): Promise<void> {
  if (impl.exactBacklog) {
    expect(await queue.backlog(recipient)).toEqual(expected);
    return;
  }
  const total = async () => {
    const backlog = await queue.backlog(recipient);
    return backlog.pending + backlog.inFlight;
  };
  await eventually(async () => (await total()) === expected.pending + expected.inFlight).catch(
    () => {},
  );
  expect(await total()).toBe(expected.pending + expected.inFlight);
}

/** Starts consuming R1's deliveries; the consumer stops after the test. */
async function consume(r: ReturnType<typeof recorder>, concurrency = 16, recipient = "R1") {
  await queue.open(recipient);
  const consumption = queue.consume(recipient, concurrency, r.handle);
  stops.push(async () => {
    r.openAll();
    await consumption.stop();
  });
  return consumption;
}

describe.each(IMPLEMENTATIONS)("the $name delivery queue", (tested) => {
  it(tested.durable ? "is durable" : "is not durable", async () => {
    impl = tested;
    queue = await impl.create();
    expect(queue.durable).toBe(tested.durable);
  });

  it("keeps only the newest undelivered update of an object: one hand-out, with the newer sequence", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.open("R1");
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true }));
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: false }));
    await expectBacklog("R1", { pending: 1, inFlight: 0 });

    const r = recorder();
    await consume(r);
    await eventually(() => r.handed.length === 1);
    const [only] = r.handed as [QueuedDelivery];
    expect(bodyOf(only.delivery)).toEqual({ uid: "UID1", valid: false });
    expect(only.attempts).toBe(0);
    only.ack();
    r.openAll();
    await eventually(async () => (await queue.backlog("R1")).pending === 0);
    expect(r.handed).toHaveLength(1);
  });

  it("tells when the oldest push not yet settled was accepted, and nothing once all are", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.open("R1");
    await queue.open("R2");
    await queue.publish({ ...other("A"), acceptedAt: 100 });
    await queue.publish({ ...other("B"), acceptedAt: 200 });
    await queue.publish({ ...other("C", "R2"), acceptedAt: 50 });
    expect((await queue.backlog("R1", { oldest: true })).oldestAcceptedAt).toBe(100);
    expect((await queue.backlog("R1")).oldestAcceptedAt).toBeUndefined();

    const r = recorder();
    await consume(r, 1);
    await eventually(() => r.handed.length === 1);
    // Handed out and not settled still counts as undelivered.
    expect((await queue.backlog("R1", { oldest: true })).oldestAcceptedAt).toBe(100);
    (r.handed[0] as QueuedDelivery).ack();
    r.openAll();
    await eventually(
      async () => (await queue.backlog("R1", { oldest: true })).oldestAcceptedAt === 200,
    );
    await eventually(() => r.handed.length === 2);
    (r.handed[1] as QueuedDelivery).ack();
    await eventually(async () => {
      const b = await queue.backlog("R1", { oldest: true });
      return b.pending + b.inFlight === 0 && b.oldestAcceptedAt === undefined;
    });
    expect((await queue.backlog("R2", { oldest: true })).oldestAcceptedAt).toBe(50);
  });

  it("gives a newer update of an object a higher sequence than the one it replaces", async () => {
    impl = tested;
    queue = await impl.create();
    const r = recorder();
    await consume(r, 1);
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
    impl = tested;
    queue = await impl.create();
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true, whitelist: "ALWAYS" }));
    await queue.publish(tokenPush("PATCH", { valid: false }));
    await queue.publish(tokenPush("PATCH", { whitelist: "NEVER" }));
    const r = recorder();
    await consume(r);
    await eventually(() => r.handed.length === 1);
    const { delivery } = r.handed[0] as QueuedDelivery;
    expect(delivery.method).toBe("PUT");
    expect(delivery.path).toBe("/DE/EMS/UID1");
    expect(bodyOf(delivery)).toEqual({ uid: "UID1", valid: false, whitelist: "NEVER" });
  });

  it("turns piled-up location updates into one hand-out of the current copy", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(locationPush("/NL/CPO/LOC1", "PUT", { id: "LOC1" }));
    await queue.publish(locationPush("/NL/CPO/LOC1/3256", "PATCH", { status: "CHARGING" }));
    await queue.publish(locationPush("/NL/CPO/LOC1/3257", "PATCH", { status: "BLOCKED" }));
    const r = recorder();
    await consume(r);
    await eventually(() => r.handed.length === 1);
    const { delivery } = r.handed[0] as QueuedDelivery;
    expect(delivery.method).toBe("PUT");
    expect(delivery.body).toBeUndefined();
    expect(delivery.current).toEqual({ owner: CPO, id: "LOC1" });
  });

  it("hands out different objects in parallel, never more than the concurrency at once", async () => {
    impl = tested;
    queue = await impl.create();
    for (const id of ["A", "B", "C", "D", "E"]) await queue.publish(other(id));
    const r = recorder();
    await consume(r, 3);
    await eventually(() => r.handed.length === 3);
    expect(r.active).toBe(3);
    await expectBacklog("R1", { pending: 2, inFlight: 3 });
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
    await expectBacklog("R1", { pending: 0, inFlight: 0 });
  });

  it("hands a retried delivery out again after its delay with one attempt more, and meanwhile the others", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(other("SLOW"));
    await queue.publish(other("SOON"));
    const r = recorder();
    await consume(r, 1);
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

    // The one put off for a minute still waits, not handed out (JetStream counts it in flight).
    await eventually(
      async () => (await queue.backlog("R1")).inFlight === (impl.exactBacklog ? 0 : 1),
    );
    await expectBacklog("R1", { pending: 1, inFlight: 0 });
    expect(r.handed.filter((q) => q.delivery.key === slow.delivery.key)).toHaveLength(1);
  });

  it("hands every retried delivery out again, also where it is the recipient's only one", async () => {
    impl = tested;
    queue = await impl.create();
    // Many short retries: a retry timer may fire a moment before the wall clock reaches its delay.
    const RETRIES = 4;
    const recipients = Array.from({ length: 500 }, (_, i) => `R${i}`);
    const attempts = new Map<string, number[]>();
    for (const [i, recipient] of recipients.entries()) {
      await queue.publish(other("A", recipient));
      attempts.set(recipient, []);
      await queue.open(recipient);
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
    await expectBacklog("R0", { pending: 0, inFlight: 0 });
  });

  it("hands a retried delivery out again when the wall clock is set back while it waits", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(other("A"));
    const r = recorder();
    await consume(r);
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
    impl = tested;
    queue = await impl.create();
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true }));
    const r = recorder();
    await consume(r);
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
    impl = tested;
    queue = await impl.create();
    await queue.publish(other("A"));
    const r = recorder();
    await consume(r);
    await eventually(() => r.handed.length === 1);
    (r.handed[0] as QueuedDelivery).drop();
    r.openAll();
    await eventually(async () => (await queue.backlog("R1")).inFlight === 0);
    await expectBacklog("R1", { pending: 0, inFlight: 0 });
    expect(r.handed).toHaveLength(1);
  });

  it("purges one recipient's deliveries and says how many", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.open("R1");
    await queue.open("R2");
    for (const id of ["A", "B", "C"]) await queue.publish(other(id, "R1"));
    await queue.publish(other("A", "R1"));
    await queue.publish(other("A", "R2"));
    await expectBacklog("R1", { pending: 3, inFlight: 0 });
    expect(await queue.purge("R1")).toBe(3);
    await expectBacklog("R1", { pending: 0, inFlight: 0 });
    await expectBacklog("R2", { pending: 1, inFlight: 0 });
    expect(await queue.purge("R1")).toBe(0);
    expect(await queue.purge("NOBODY")).toBe(0);
    await expectBacklog("NOBODY", { pending: 0, inFlight: 0 });
  });

  it("counts a handed-out delivery as in flight until it is settled", async () => {
    impl = tested;
    queue = await impl.create();
    for (const id of ["A", "B", "C"]) await queue.publish(other(id));
    const r = recorder();
    await consume(r, 1);
    await eventually(() => r.handed.length === 1);
    await expectBacklog("R1", { pending: 2, inFlight: 1 });
    (r.handed[0] as QueuedDelivery).ack();
    r.openAll();
    await eventually(() => r.handed.length === 2);
    await expectBacklog("R1", { pending: 1, inFlight: 1 });
  });

  it("keeps a newer update that replaced a handed-out one when the old one is acked", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: true }));
    const r = recorder();
    await consume(r, 1);
    await eventually(() => r.handed.length === 1);
    const old = r.handed[0] as QueuedDelivery;

    await queue.publish(tokenPush("PUT", { uid: "UID1", valid: false }));
    old.ack();
    await expectBacklog("R1", { pending: 1, inFlight: 0 });
    r.openAll();

    await eventually(() => r.handed.length === 2);
    const newer = r.handed[1] as QueuedDelivery;
    expect(newer.seq).toBeGreaterThan(old.seq);
    expect(newer.attempts).toBe(0);
    expect(bodyOf(newer.delivery)).toEqual({ uid: "UID1", valid: false });
    await expectBacklog("R1", { pending: 0, inFlight: 1 });
  });

  it("keeps a newer update that replaced a handed-out one when the old one is retried or dropped", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(other("A"));
    await queue.publish(other("B"));
    const r = recorder();
    await consume(r, 2);
    await eventually(() => r.handed.length === 2);
    const [a, b] = r.handed as [QueuedDelivery, QueuedDelivery];
    await queue.publish(other("A"));
    await queue.publish(other("B"));
    a.retry(60_000);
    b.drop();
    await expectBacklog("R1", { pending: 2, inFlight: 0 });
    r.openAll();
    await eventually(() => r.handed.length === 4);
    expect(r.handed.slice(2).map((q) => q.seq > Math.max(a.seq, b.seq))).toEqual([true, true]);
    expect(r.handed.slice(2).map((q) => q.attempts)).toEqual([0, 0]);
  });

  it("hands a delivery out again after a handler failed, one attempt more", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(other("A"));
    const handed: QueuedDelivery[] = [];
    await queue.open("R1");
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
    await expectBacklog("R1", { pending: 0, inFlight: 0 });
  });

  it("hands what a stopped consumer left unsettled to the next consumer", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(other("A"));
    const first: QueuedDelivery[] = [];
    await queue.open("R1");
    const stopping = queue.consume("R1", 4, async (q) => {
      first.push(q);
    });
    await eventually(() => first.length === 1);
    await stopping.stop();
    await queue.publish(other("B"));
    expect(first).toHaveLength(1);
    await expectBacklog("R1", { pending: 2, inFlight: 0 });

    const r = recorder();
    await consume(r);
    await eventually(() => r.handed.length === 2);
    expect(r.handed.map((q) => q.delivery.key).sort()).toEqual(
      [objectKey(EMSP, "A", "RFID"), objectKey(EMSP, "B", "RFID")].sort(),
    );
  });

  it("forgets a removed recipient's deliveries", async () => {
    impl = tested;
    queue = await impl.create();
    await queue.publish(other("A"));
    await queue.publish(other("B"));
    await queue.remove("R1");
    await expectBacklog("R1", { pending: 0, inFlight: 0 });
    expect(await queue.purge("R1")).toBe(0);
  });
});

describe("the in-memory queue's bound in bytes per recipient", () => {
  const BODY = 1_000;
  /** A PUT of location `id` of NL/CPO with a body of about BODY characters. */
  const bigLocation = (id: string, recipient = "R1"): Delivery => ({
    ...locationPush(`/NL/CPO/${id}`, "PUT", { id, name: "n".repeat(BODY) }),
    key: objectKey(CPO, id),
    recipient,
  });
  const bigToken = (uid: string): Delivery =>
    tokenPush("PUT", { uid, name: "n".repeat(BODY) }, uid);

  function boundedQueue(maxBytesPerRecipient: number) {
    const shed: { key: string; what: "body" | "delivery" }[] = [];
    const q = createMemoryQueue({
      maxBytesPerRecipient,
      onShed: (d, what) => shed.push({ key: d.key, what }),
    });
    return { q, shed };
  }

  it("gives the oldest cached pushes the hub's current copy instead of their bodies, losing none", async () => {
    const { q, shed } = boundedQueue(20 * BODY);
    queue = q;
    for (let i = 0; i < 40; i++) await q.publish(bigLocation(`LOC${i}`));
    expect(await q.backlog("R1")).toEqual({ pending: 40, inFlight: 0 });
    expect(shed.length).toBeGreaterThan(20);
    expect(shed.every((s) => s.what === "body")).toBe(true);

    const r = recorder();
    await consume(r, 100);
    await eventually(() => r.handed.length === 40);
    const byId = new Map(r.handed.map((h) => [h.delivery.key, h.delivery]));
    const oldest = byId.get(objectKey(CPO, "LOC0")) as Delivery;
    expect(oldest.body).toBeUndefined();
    expect(oldest.current).toEqual({ owner: CPO, id: "LOC0" });
    const newest = byId.get(objectKey(CPO, "LOC39")) as Delivery;
    expect(newest.current).toBeUndefined();
    expect(bodyOf(newest).id).toBe("LOC39");
  });

  it("drops the oldest whole deliveries that have no current copy, and counts each", async () => {
    const { q, shed } = boundedQueue(20 * BODY);
    queue = q;
    for (let i = 0; i < 40; i++) await q.publish(bigToken(`UID${i}`));
    const { pending } = await q.backlog("R1");
    expect(pending).toBeLessThan(20);
    expect(pending).toBeGreaterThan(10);
    expect(shed).toHaveLength(40 - pending);
    expect(shed.every((s) => s.what === "delivery")).toBe(true);
    expect(shed[0]?.key).toBe(objectKey(EMSP, "UID0", "RFID"));

    const r = recorder();
    await consume(r, 100);
    await eventually(() => r.handed.length === pending);
    const kept = r.handed.map((h) => bodyOf(h.delivery).uid).sort();
    expect(kept).toContain("UID39");
    expect(kept).not.toContain("UID0");
  });

  it("never sheds what is handed out", async () => {
    const { q, shed } = boundedQueue(20 * BODY);
    queue = q;
    const r = recorder();
    await consume(r, 5);
    for (let i = 0; i < 5; i++) await q.publish(bigToken(`HELD${i}`));
    await eventually(() => r.handed.length === 5);
    for (let i = 0; i < 40; i++) await q.publish(bigToken(`UID${i}`));
    expect(shed.length).toBeGreaterThan(20);
    const keys = shed.map((s) => s.key);
    for (let i = 0; i < 5; i++) expect(keys).not.toContain(objectKey(EMSP, `HELD${i}`, "RFID"));
    expect((await q.backlog("R1")).inFlight).toBe(5);
  });

  it("frees the bytes of what was delivered or purged", async () => {
    const { q, shed } = boundedQueue(20 * BODY);
    queue = q;
    for (let i = 0; i < 15; i++) await q.publish(bigToken(`A${i}`));
    expect(await q.purge("R1")).toBe(15);
    for (let i = 0; i < 15; i++) await q.publish(bigToken(`B${i}`));
    await q.open("R1");
    const acking = q.consume("R1", 100, async (d) => d.ack());
    stops.push(() => acking.stop());
    await eventually(
      async () => (await q.backlog("R1")).pending + (await q.backlog("R1")).inFlight === 0,
    );
    for (let i = 0; i < 15; i++) await q.publish(bigToken(`C${i}`));
    expect(shed).toEqual([]);
  });

  it("bounds each recipient by itself", async () => {
    const { q, shed } = boundedQueue(20 * BODY);
    queue = q;
    for (let i = 0; i < 15; i++) {
      await q.publish({ ...bigToken(`UID${i}`), recipient: "R1" });
      await q.publish({ ...bigToken(`UID${i}`), recipient: "R2" });
    }
    expect(shed).toEqual([]);
    expect((await q.backlog("R1")).pending).toBe(15);
    expect((await q.backlog("R2")).pending).toBe(15);
  });
});
