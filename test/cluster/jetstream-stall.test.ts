import { randomBytes } from "node:crypto";
import {
  AckPolicy,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames } from "../../src/bus/names.js";
import { stallGuard } from "../../src/delivery/jetstream-stall.js";
import { streamConfig } from "../../src/delivery/jetstream-stream.js";

/**
 * The repair of a delivery left behind a consumer's ack floor, as a NATS
 * 2.9 cluster leaves one when the stream's leader dies before the acked
 * message's removal is replicated. A stream with limits retention keeps an
 * acked message the same way, on any server.
 */

// biome-ignore lint/style/noProcessEnv: this folder runs only where NATS does
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const names = natsNames(`stall_${randomBytes(4).toString("hex")}`);
const RECIPIENT = "recipient-1";
const SECOND = "recipient-2";
const subject = names.deliverySubject({ recipient: RECIPIENT, module: "locations", key: "LOC1" });

let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL.split(",") });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    ...streamConfig(names, 1),
    retention: RetentionPolicy.Limits,
    storage: undefined,
  });
  for (const recipient of [RECIPIENT, SECOND]) {
    await jsm.consumers.add(names.deliveryStream, {
      durable_name: names.recipientDurable(recipient),
      filter_subject: names.recipientSubjects(recipient),
      ack_policy: AckPolicy.Explicit,
    });
  }
});

afterAll(async () => {
  await jsm?.streams.delete(names.deliveryStream).catch(() => {});
  await nc?.close();
});

describe("a delivery left behind the consumer's ack floor", () => {
  it("is found and queued again; a delivery still on its way is no stall", async () => {
    const js = jetstream(nc);
    const guard = stallGuard(nc, jsm, names, RECIPIENT);
    const consumer = await js.consumers.get(
      names.deliveryStream,
      names.recipientDurable(RECIPIENT),
    );
    expect(await guard.check()).toBe("none");

    const first = await js.publish(subject, new TextEncoder().encode('{"round":1}'));
    // Pending: the consumer will hand it out.
    expect(await guard.check()).toBe("none");
    const handed = await consumer.next({ expires: 5_000 });
    expect(handed?.seq).toBe(first.seq);
    // Handed out and not yet acknowledged: on its way.
    expect(await guard.check()).toBe("none");
    await handed?.ackAck();

    // Acknowledged, yet still held on the recipient's subject.
    expect(await guard.check()).toBe("orphaned");
    await guard.repair("orphaned");
    const again = await consumer.next({ expires: 5_000 });
    expect(again?.seq).toBeGreaterThan(first.seq);
    expect(again?.string()).toBe('{"round":1}');
    expect(again?.subject).toBe(subject);
    // It replaced itself: one message on the subject.
    const info = await jsm.streams.info(names.deliveryStream, { subjects_filter: subject });
    expect(info.state.subjects).toEqual({ [subject]: 1 });
    await again?.ackAck();
  });

  it("is not queued again when a newer update of the object came meanwhile", async () => {
    const js = jetstream(nc);
    const guard = stallGuard(nc, jsm, names, SECOND);
    const key = names.deliverySubject({ recipient: SECOND, module: "locations", key: "LOC2" });
    const old = await js.publish(key, new TextEncoder().encode('{"round":1}'));
    const consumer = await js.consumers.get(names.deliveryStream, names.recipientDurable(SECOND));
    const handed = await consumer.next({ expires: 5_000 });
    expect(handed?.seq).toBe(old.seq);
    await handed?.ackAck();
    expect(await guard.check()).toBe("orphaned");

    // The newer update lands between the check and the repair: the repair leaves it alone.
    const newer = await js.publish(key, new TextEncoder().encode('{"round":2}'));
    await guard.repair("orphaned");
    const next = await consumer.next({ expires: 5_000 });
    expect(next?.seq).toBe(newer.seq);
    expect(next?.string()).toBe('{"round":2}');
    await next?.ackAck();
    expect(await consumer.next({ expires: 1_000 })).toBeNull();
  });
});
