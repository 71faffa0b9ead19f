import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../bus/names.js";
import type { Logger } from "../logging/logger.js";
import { consumeRecipient } from "./jetstream-consume.js";
import type { Settler } from "./jetstream-settle.js";
import { pushStallGuard } from "./jetstream-stall.js";
import { NOT_FOUND, provisionStream, pushStreamConfig, refusedWith } from "./jetstream-stream.js";
import {
  type Addressing,
  type Backlog,
  type Consumption,
  deliveryOf,
  type Push,
  type QueuedDelivery,
} from "./queue.js";

/** A consumer idle this long (its platform long gone) is removed by the server. */
const INACTIVE_NS = 7 * 24 * 3600 * 1e9;
/**
 * Pushes a recipient's cursor may have handed out and not settled: what
 * its worker holds while it merges the updates of an object or retries a
 * failing recipient. Past it the cursor waits.
 */
const MAX_UNSETTLED = 4_000;
/**
 * Parsed pushes kept by stream sequence: every recipient's cursor reads the
 * same push, and this instance parses it once for all of them.
 */
const PARSED_KEPT = 8_192;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface JetStreamPushesDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  logger: Logger;
  replicas: number;
  ackWaitMs: number;
  settle: Settler;
  addOrUpdateConsumer(
    jsm: JetStreamManager,
    stream: string,
    config: Partial<ConsumerConfig> & { durable_name: string },
  ): Promise<void>;
}

/**
 * Broadcast pushes on JetStream: each push is one message of the push
 * stream (on its object's subject), acknowledged to the sender once the
 * stream has it; each recipient's durable consumer is its cursor, which
 * reads every push and takes those addressed to it. Provisions the stream.
 */
export async function createJetStreamPushes(d: JetStreamPushesDeps) {
  const { js, jsm, names, logger, settle } = d;
  const stream = names.pushStream;
  await provisionStream(jsm, pushStreamConfig(names, d.replicas), logger);
  const parsed = new Map<number, Push>();

  function pushOf(m: JsMsg): Push {
    let push = parsed.get(m.seq);
    if (push === undefined) {
      push = JSON.parse(decoder.decode(m.data)) as Push;
      parsed.set(m.seq, push);
      if (parsed.size > PARSED_KEPT) {
        const oldest = parsed.keys().next().value;
        if (oldest !== undefined) parsed.delete(oldest);
      }
    }
    return push;
  }

  return {
    async open(recipient: string): Promise<void> {
      await d.addOrUpdateConsumer(jsm, stream, {
        durable_name: names.pushDurable(recipient),
        filter_subject: names.pushStreamSubjects,
        ack_policy: AckPolicy.Explicit,
        // A new recipient reads the pushes from now on; what came before reaches it by catch-up.
        deliver_policy: DeliverPolicy.New,
        ack_wait: d.ackWaitMs * 1e6,
        max_ack_pending: MAX_UNSETTLED,
        inactive_threshold: INACTIVE_NS,
      });
    },

    async remove(recipient: string): Promise<void> {
      await jsm.consumers.delete(stream, names.pushDurable(recipient)).catch((err) => {
        if (!refusedWith(err, NOT_FOUND)) throw err;
      });
    },

    async broadcast(push: Push): Promise<void> {
      await js.publish(names.pushSubject(push), encoder.encode(JSON.stringify(push)));
    },

    /**
     * What the recipient's cursor has not settled: pushes not read yet
     * (addressed to it or not) and those handed out.
     */
    async backlog(recipient: string, options?: { oldest?: boolean }): Promise<Backlog> {
      try {
        const info = await jsm.consumers.info(stream, names.pushDurable(recipient));
        const backlog: Backlog = { pending: info.num_pending, inFlight: info.num_ack_pending };
        if (!options?.oldest || backlog.pending + backlog.inFlight === 0) return backlog;
        // The first push still held past the cursor's ack floor (those between are gone when every cursor took them).
        const m = await jsm.direct.getMessage(stream, {
          seq: info.ack_floor.stream_seq + 1,
          next_by_subj: names.pushStreamSubjects,
        });
        if (m === null) return backlog;
        const acceptedAt = (JSON.parse(decoder.decode(m.data)) as Partial<Push>).acceptedAt;
        if (typeof acceptedAt !== "number") return backlog;
        // A cursor reads only what came after it was made; before its first acknowledgement
        // its ack floor may still say 0, which finds pushes older than the cursor itself.
        const created = Date.parse(info.created);
        const oldest = Number.isNaN(created) ? acceptedAt : Math.max(acceptedAt, created);
        return { ...backlog, oldestAcceptedAt: oldest };
      } catch (err) {
        if (refusedWith(err, NOT_FOUND)) return { pending: 0, inFlight: 0 };
        throw err;
      }
    },

    consume(
      recipient: string,
      concurrency: number,
      handle: (q: QueuedDelivery) => Promise<void>,
      addressed: Addressing | undefined,
    ): Consumption {
      return consumeRecipient({
        js,
        stream,
        durable: names.pushDurable(recipient),
        logger,
        recipient,
        concurrency,
        handle,
        guard: pushStallGuard(d.nc, jsm, names, recipient),
        settle,
        toQueued(m) {
          const push = pushOf(m);
          const to = addressed?.(push);
          if (to === undefined) return undefined;
          return {
            delivery: deliveryOf(push, recipient, to),
            source: "push",
            seq: m.seq,
            attempts: m.info.deliveryCount - 1,
            ack: () => settle.ack(m),
            drop: () => settle.term(m),
            retry: (delayMs) => settle.nak(m, Math.max(1, Math.round(delayMs))),
          };
        },
      });
    },
  };
}
