import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../bus/names.js";

/**
 * A recipient's consumer that stalled: seen on a NATS 2.9 cluster after the
 * node holding the stream's leader was killed, a consumer can report
 * nothing pending and nothing awaiting an ack while the stream holds a
 * delivery on its subjects past the last one it handed out, and never
 * hands it out. Asking the consumer's leader to step down makes another
 * replica take over with a fresh view; nothing is deleted.
 */
export interface StallGuard {
  /** Whether the consumer is stalled; asked only while the recipient has nothing in flight here. */
  stalled(): Promise<boolean>;
  /** Moves the consumer's leadership to another replica. */
  unstick(): Promise<void>;
}

export function stallGuard(
  nc: NatsConnection,
  jsm: JetStreamManager,
  names: NatsNames,
  recipient: string,
): StallGuard {
  const stream = names.deliveryStream;
  const durable = names.recipientDurable(recipient);
  return {
    async stalled() {
      const info = await jsm.consumers.info(stream, durable);
      if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
      const next = await jsm.direct.getMessage(stream, {
        next_by_subj: names.recipientSubjects(recipient),
        seq: info.delivered.stream_seq + 1,
      });
      if (next === null) return false;
      // Asked again: a delivery published between the two answers is no stall.
      const again = await jsm.consumers.info(stream, durable);
      return again.num_pending === 0 && again.num_ack_pending === 0;
    },
    async unstick() {
      await nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${durable}`, undefined, {
        timeout: 5_000,
      });
    },
  };
}
