import { type JetStreamManager, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../bus/names.js";
import { refusedWith, WRONG_LAST_SEQUENCE } from "./jetstream-stream.js";

/**
 * How a recipient's consumer can stall on a NATS 2.9 cluster after the node
 * holding the stream's leader was killed, both seen on loopback:
 * - **stuck**: the consumer reports nothing pending and nothing awaiting an
 *   ack while the stream holds a delivery on its subjects past the last one
 *   it handed out, and never hands it out. Asking the consumer's leader to
 *   step down makes another replica take over with a fresh view.
 * - **orphaned**: the stream still holds a delivery below the consumer's
 *   ack floor (its removal was lost with the old leader), so the consumer
 *   counts it as done although the recipient never got it. Such a delivery
 *   is published again on its subject, replacing itself unless a newer
 *   update of the object came meanwhile; the consumer then hands it out.
 * Both are checked only while the recipient has nothing in flight here.
 */
export type Stall = "none" | "stuck" | "orphaned";

export interface StallGuard {
  /** What, if anything, keeps the consumer from handing out what its subjects hold. */
  check(): Promise<Stall>;
  /** Repairs a stall `check` found. */
  repair(stall: Exclude<Stall, "none">): Promise<void>;
}

export function stallGuard(
  nc: NatsConnection,
  jsm: JetStreamManager,
  names: NatsNames,
  recipient: string,
): StallGuard {
  const stream = names.deliveryStream;
  const durable = names.recipientDurable(recipient);
  const subjects = names.recipientSubjects(recipient);
  const js = jetstream(nc);

  const idle = async () => {
    const info = await jsm.consumers.info(stream, durable);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? info : undefined;
  };

  /** Each subject's waiting delivery as the stream's leader holds it. */
  async function waiting(): Promise<{ subject: string; seq: number; data: Uint8Array }[]> {
    const info = await jsm.streams.info(stream, { subjects_filter: subjects });
    const found = await Promise.all(
      Object.keys(info.state.subjects ?? {}).map(async (subject) => {
        const m = await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null);
        return m === null ? undefined : { subject, seq: m.seq, data: m.data };
      }),
    );
    return found.filter((w) => w !== undefined);
  }

  return {
    async check() {
      const consumer = await idle();
      if (consumer === undefined) return "none";
      const held = await waiting();
      if (held.length === 0) return "none";
      // Asked again: a delivery published between the answers is no stall.
      const again = await idle();
      if (again === undefined) return "none";
      const floor = again.ack_floor.stream_seq;
      if (held.some((w) => w.seq <= floor)) return "orphaned";
      return held.some((w) => w.seq > again.delivered.stream_seq) ? "stuck" : "none";
    },

    async repair(stall) {
      if (stall === "stuck") {
        await nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${durable}`, undefined, {
          timeout: 5_000,
        });
        return;
      }
      const consumer = await idle();
      if (consumer === undefined) return;
      const floor = consumer.ack_floor.stream_seq;
      for (const w of await waiting()) {
        if (w.seq > floor) continue;
        await js
          .publish(w.subject, w.data, { expect: { lastSubjectSequence: w.seq } })
          .catch((err: unknown) => {
            if (!refusedWith(err, WRONG_LAST_SEQUENCE)) throw err;
          });
      }
    },
  };
}

/**
 * The same watch over a recipient's cursor on the push stream, whose filter
 * takes every subject: it is stuck when it reports nothing pending and
 * nothing awaiting an ack while the stream holds a push past the last one
 * it handed out. The repair is the same leader step-down.
 */
export function pushStallGuard(
  nc: NatsConnection,
  jsm: JetStreamManager,
  names: NatsNames,
  recipient: string,
): StallGuard {
  const stream = names.pushStream;
  const durable = names.pushDurable(recipient);
  const idle = async () => {
    const info = await jsm.consumers.info(stream, durable);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? info : undefined;
  };
  return {
    async check() {
      if ((await idle()) === undefined) return "none";
      const last = (await jsm.streams.info(stream)).state.last_seq;
      // Asked again: a push written between the answers is no stall.
      const again = await idle();
      return again !== undefined && last > again.delivered.stream_seq ? "stuck" : "none";
    },
    async repair() {
      await nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${durable}`, undefined, {
        timeout: 5_000,
      });
    },
  };
}
