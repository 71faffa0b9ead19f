import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
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
import { type StallGuard, stallGuard } from "./jetstream-stall.js";
import {
  NOT_FOUND,
  provisionStream,
  refusedWith,
  streamConfig,
  WRONG_LAST_SEQUENCE,
} from "./jetstream-stream.js";
import {
  type Backlog,
  type Consumption,
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

/**
 * How long one pull request waits for messages before the next one is sent
 * (the server's idle heartbeats come at half of it). A pull lost when the
 * consumer's leader moves to another node of a cluster is thus replaced
 * within this long; the default of 30 s left a recipient without
 * deliveries for up to a minute after a node failed.
 */
const PULL_EXPIRES_MS = 10_000;

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

  return {
    durable: true,
    maxMessageBytes: nc.info?.max_payload,

    async open(recipient) {
      await addOrUpdateConsumer(jsm, stream, consumerConfig(names, recipient, options.ackWaitMs));
    },

    async remove(recipient) {
      await jsm.consumers.delete(stream, names.recipientDurable(recipient)).catch((err) => {
        if (!refusedWith(err, NOT_FOUND)) throw err;
      });
      await jsm.streams.purge(stream, { filter: names.recipientSubjects(recipient) });
    },

    publish,

    async purge(recipient) {
      const res = await jsm.streams.purge(stream, { filter: names.recipientSubjects(recipient) });
      return res.purged;
    },

    async backlog(recipient, options): Promise<Backlog> {
      try {
        const info = await jsm.consumers.info(stream, names.recipientDurable(recipient));
        const backlog = { pending: info.num_pending, inFlight: info.num_ack_pending };
        if (!options?.oldest || backlog.pending + backlog.inFlight === 0) return backlog;
        const oldestAcceptedAt = await oldestAfter(
          jsm,
          names,
          recipient,
          info.ack_floor.stream_seq,
        );
        return oldestAcceptedAt === undefined ? backlog : { ...backlog, oldestAcceptedAt };
      } catch (err) {
        if (refusedWith(err, NOT_FOUND)) return { pending: 0, inFlight: 0 };
        throw err;
      }
    },

    consume: (recipient, concurrency, handle) =>
      consumeRecipient({
        js,
        names,
        logger,
        recipient,
        concurrency,
        handle,
        guard: stallGuard(nc, jsm, names, recipient),
      }),

    async close() {},
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

/** A recipient whose consumer handed nothing out for this long is checked for a stall (see StallGuard). */
const STALL_CHECK_MS = 15_000;

/**
 * Hands the recipient's messages to `handle`, at most `concurrency` at a
 * time. While nothing comes, the consumer is checked for a stall every
 * STALL_CHECK_MS, and a stalled one's leader is asked to step down.
 */
function consumeRecipient(c: {
  js: JetStreamClient;
  names: NatsNames;
  logger: Logger;
  recipient: string;
  concurrency: number;
  handle: (d: QueuedDelivery) => Promise<void>;
  guard: StallGuard;
}): Consumption {
  const { recipient, concurrency, logger } = c;
  let stopped = false;
  const running = new Set<Promise<void>>();
  let slot: (() => void) | undefined;
  let messages: ConsumerMessages | undefined;
  let lastSeen = Date.now();
  let checking = false;
  const loop = (async () => {
    const consumer = await c.js.consumers.get(
      c.names.deliveryStream,
      c.names.recipientDurable(recipient),
    );
    messages = await consumer.consume({
      max_messages: Math.max(concurrency * 2, 16),
      expires: PULL_EXPIRES_MS,
    });
    if (stopped) messages.stop();
    for await (const m of messages) {
      lastSeen = Date.now();
      while (!stopped && running.size >= concurrency) {
        await new Promise<void>((resolve) => {
          slot = resolve;
        });
      }
      if (stopped) {
        // Handed back at once, so the next owner need not wait for ack_wait.
        m.nak();
        continue;
      }
      const run = c
        .handle(queued(m))
        .catch((err: unknown) => {
          logger.error({ err, recipient }, "delivery handler failed");
          m.nak(1_000);
        })
        .finally(() => {
          running.delete(run);
          lastSeen = Date.now();
          slot?.();
          slot = undefined;
        });
      running.add(run);
    }
  })().catch((err: unknown) => {
    if (!stopped) logger.error({ err, recipient }, "delivery consumer ended");
  });
  const watch = setInterval(() => {
    if (stopped || checking || running.size > 0 || Date.now() - lastSeen < STALL_CHECK_MS) return;
    checking = true;
    c.guard
      .check()
      .then(async (stall) => {
        if (stall === "none" || stopped) return;
        logger.warn(
          { recipient, stall },
          stall === "stuck"
            ? "delivery consumer stalled with deliveries waiting; moving its leader"
            : "deliveries left behind the consumer's ack floor; queueing them again",
        );
        await c.guard.repair(stall);
      })
      .catch((err: unknown) =>
        logger.warn({ err, recipient }, "could not check the delivery consumer"),
      )
      .finally(() => {
        checking = false;
        lastSeen = Date.now();
      });
  }, STALL_CHECK_MS / 3);
  watch.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(watch);
      messages?.stop();
      slot?.();
      while (running.size > 0) await Promise.allSettled([...running]);
      await loop;
    },
  };
}

function queued(m: JsMsg): QueuedDelivery {
  return {
    delivery: m.json<Delivery>(),
    seq: m.seq,
    attempts: m.info.deliveryCount - 1,
    ack: () => m.ack(),
    drop: () => m.term(),
    retry: (delayMs) => m.nak(Math.max(1, Math.round(delayMs))),
  };
}
