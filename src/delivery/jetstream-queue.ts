import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { NATS_NAMES, type NatsNames } from "../bus/names.js";
import type { Logger } from "../logging/logger.js";
import { consumeRecipient } from "./jetstream-consume.js";
import { createJetStreamPushes } from "./jetstream-pushes.js";
import { createSettler, type Settler } from "./jetstream-settle.js";
import { stallGuard } from "./jetstream-stall.js";
import {
  NOT_FOUND,
  provisionStream,
  refusedWith,
  streamConfig,
  WRONG_LAST_SEQUENCE,
} from "./jetstream-stream.js";
import {
  type Backlog,
  collapse,
  type Delivery,
  type DeliveryQueue,
  type QueuedDelivery,
  sendsCurrentCopy,
} from "./queue.js";

/** A merge that keeps losing the race to newer updates gives way to the newest update alone. */
const MERGE_ATTEMPTS = 5;
/** A consumer idle this long (its platform long gone) is removed by the server. */
const INACTIVE_NS = 7 * 24 * 3600 * 1e9;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface JetStreamQueueOptions {
  /** How long a handed-out delivery may stay unsettled before it is handed out again. */
  ackWaitMs: number;
  /** The stream, subjects and durables: those of the hub's NATS_PREFIX. */
  names?: NatsNames;
  /** Replicas of the stream (NATS_STREAM_REPLICAS); 1 unless given. */
  replicas?: number;
}

/**
 * The delivery queue on JetStream: one stream (work-queue retention, at most
 * one message per subject, on disk) and one durable consumer per recipient.
 * Provisions the stream, creating or updating it.
 */
export async function createJetStreamQueue(
  nc: NatsConnection,
  logger: Logger,
  options: JetStreamQueueOptions,
): Promise<DeliveryQueue> {
  const names = options.names ?? NATS_NAMES;
  const stream = names.deliveryStream;
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await provisionStream(jsm, streamConfig(names, options.replicas ?? 1), logger);
  const publish = collapsingPublisher(js, jsm, names, logger);
  const settle = createSettler();
  const pushes = await createJetStreamPushes({
    nc,
    js,
    jsm,
    names,
    logger,
    replicas: options.replicas ?? 1,
    ackWaitMs: options.ackWaitMs,
    settle,
    addOrUpdateConsumer,
  });

  /** What waits in the recipient's own deliveries (not its pushes). */
  async function directBacklog(
    recipient: string,
    options?: { oldest?: boolean },
  ): Promise<Backlog> {
    try {
      const info = await jsm.consumers.info(stream, names.recipientDurable(recipient));
      const backlog = { pending: info.num_pending, inFlight: info.num_ack_pending };
      if (!options?.oldest || backlog.pending + backlog.inFlight === 0) return backlog;
      const oldestAcceptedAt = await oldestAfter(jsm, names, recipient, info.ack_floor.stream_seq);
      return oldestAcceptedAt === undefined ? backlog : { ...backlog, oldestAcceptedAt };
    } catch (err) {
      if (refusedWith(err, NOT_FOUND)) return { pending: 0, inFlight: 0 };
      throw err;
    }
  }

  return {
    durable: true,
    maxMessageBytes: nc.info?.max_payload,

    async open(recipient) {
      await addOrUpdateConsumer(jsm, stream, consumerConfig(names, recipient, options.ackWaitMs));
      await pushes.open(recipient);
    },

    async remove(recipient) {
      await pushes.remove(recipient);
      await jsm.consumers.delete(stream, names.recipientDurable(recipient)).catch((err) => {
        if (!refusedWith(err, NOT_FOUND)) throw err;
      });
      await jsm.streams.purge(stream, { filter: names.recipientSubjects(recipient) });
    },

    publish,

    async purge(recipient) {
      // What the recipient's worker holds (handed out, unacknowledged) it drops and counts itself.
      const held = await jsm.consumers
        .info(stream, names.recipientDurable(recipient))
        .then((info) => info.num_ack_pending)
        .catch(() => 0);
      const res = await jsm.streams.purge(stream, { filter: names.recipientSubjects(recipient) });
      return Math.max(0, res.purged - held);
    },

    async backlog(recipient, options): Promise<Backlog> {
      const [own, pushed] = await Promise.all([
        directBacklog(recipient, options),
        pushes.backlog(recipient, options),
      ]);
      const backlog: Backlog = {
        pending: own.pending + pushed.pending,
        inFlight: own.inFlight + pushed.inFlight,
      };
      const oldest = [own.oldestAcceptedAt, pushed.oldestAcceptedAt].filter(
        (t): t is number => t !== undefined,
      );
      if (oldest.length > 0) backlog.oldestAcceptedAt = Math.min(...oldest);
      return backlog;
    },

    broadcast: (push) => pushes.broadcast(push),

    consume(recipient, concurrency, handle, addressed) {
      const direct = consumeRecipient({
        js,
        stream,
        durable: names.recipientDurable(recipient),
        logger,
        recipient,
        concurrency,
        handle,
        toQueued: (m) => queued(m, settle),
        guard: stallGuard(nc, jsm, names, recipient),
        settle,
      });
      const pushed = pushes.consume(recipient, concurrency, handle, addressed);
      return {
        async stop() {
          await Promise.all([direct.stop(), pushed.stop()]);
        },
      };
    },

    async close() {
      settle.flush();
    },
  };
}

/**
 * When the recipient's oldest undelivered push was accepted: the first
 * message on its subjects after the consumer's ack floor, by direct get
 * (one request, answered by any replica).
 */
async function oldestAfter(
  jsm: JetStreamManager,
  names: NatsNames,
  recipient: string,
  ackFloor: number,
): Promise<number | undefined> {
  const m = await jsm.direct.getMessage(names.deliveryStream, {
    seq: ackFloor + 1,
    next_by_subj: names.recipientSubjects(recipient),
  });
  if (m === null) return undefined;
  const acceptedAt = (JSON.parse(decoder.decode(m.data)) as Partial<Delivery>).acceptedAt;
  return typeof acceptedAt === "number" ? acceptedAt : undefined;
}

function consumerConfig(
  names: NatsNames,
  recipient: string,
  ackWaitMs: number,
): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: names.recipientDurable(recipient),
    filter_subject: names.recipientSubjects(recipient),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * 1e6,
    max_ack_pending: 1_000,
    inactive_threshold: INACTIVE_NS,
  };
}

async function addOrUpdateConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  try {
    await jsm.consumers.info(stream, config.durable_name);
    await jsm.consumers.update(stream, config.durable_name, config);
  } catch (err) {
    if (!refusedWith(err, NOT_FOUND)) throw err;
    await jsm.consumers.add(stream, config);
  }
}

/**
 * Publishes a delivery so that only the newest undelivered update of an
 * object waits (see collapse()): JetStream keeps one message per subject,
 * and a PATCH is laid over the waiting update with an optimistic check of
 * the subject's last sequence.
 */
function collapsingPublisher(
  js: JetStreamClient,
  jsm: JetStreamManager,
  names: NatsNames,
  logger: Logger,
): (d: Delivery) => Promise<void> {
  async function append(d: Delivery, expect?: number): Promise<void> {
    const data = encoder.encode(JSON.stringify(d));
    await js.publish(
      names.deliverySubject(d),
      data,
      expect === undefined ? undefined : { expect: { lastSubjectSequence: expect } },
    );
  }

  async function waiting(subject: string): Promise<{ seq: number; delivery: Delivery } | null> {
    const m = await jsm.direct.getMessage(names.deliveryStream, { last_by_subj: subject });
    if (m === null) return null;
    return { seq: m.seq, delivery: JSON.parse(decoder.decode(m.data)) as Delivery };
  }

  return async (d) => {
    // Nothing waiting for this object: the update goes in as it is.
    try {
      await append(d, 0);
      return;
    } catch (err) {
      if (!refusedWith(err, WRONG_LAST_SEQUENCE)) throw err;
    }
    // A cached object's current copy, or a full PUT, replaces whatever waits.
    if (d.method !== "PATCH" || sendsCurrentCopy(d.module)) {
      await append(collapse(d, d));
      return;
    }
    // A PATCH is laid over the waiting update, unless that changes under it.
    const subject = names.deliverySubject(d);
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const w = await waiting(subject);
      try {
        await append(collapse(w?.delivery, d), w?.seq ?? 0);
        return;
      } catch (err) {
        if (!refusedWith(err, WRONG_LAST_SEQUENCE)) throw err;
      }
    }
    logger.warn({ subject }, "updates of one object keep racing; queued the newest alone");
    await append(d);
  };
}

function queued(m: JsMsg, settle: Settler): QueuedDelivery {
  return {
    delivery: m.json<Delivery>(),
    source: "direct",
    seq: m.seq,
    attempts: m.info.deliveryCount - 1,
    ack: () => settle.ack(m),
    drop: () => settle.term(m),
    retry: (delayMs) => settle.nak(m, Math.max(1, Math.round(delayMs))),
  };
}
