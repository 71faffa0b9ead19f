import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../logging/logger.js";
import {
  type Backlog,
  type Consumption,
  collapse,
  DELIVER_PREFIX,
  type Delivery,
  type DeliveryQueue,
  deliverySubject,
  isCachedModule,
  type QueuedDelivery,
} from "./queue.js";

export const DELIVERY_STREAM = "OCPI_DELIVER";

/** JetStream's code for a failed expected-last-subject-sequence check. */
const WRONG_LAST_SEQUENCE = 10071;
/** A merge that keeps losing the race to newer updates gives way to the newest update alone. */
const MERGE_ATTEMPTS = 5;
/** A consumer idle this long (its platform long gone) is removed by the server. */
const INACTIVE_NS = 7 * 24 * 3600 * 1e9;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const consumerName = (recipient: string) => `deliver_${recipient}`;

/**
 * One stream for every delivery: work-queue retention (a delivered message
 * leaves it, so it holds the backlog only), at most one message per subject
 * (a newer update of an object replaces the waiting one), on disk.
 */
const STREAM: Partial<StreamConfig> & { name: string } = {
  name: DELIVERY_STREAM,
  subjects: [`${DELIVER_PREFIX}.>`],
  retention: RetentionPolicy.Workqueue,
  storage: StorageType.File,
  discard: DiscardPolicy.Old,
  max_msgs_per_subject: 1,
  allow_direct: true,
};

export async function createJetStreamQueue(
  nc: NatsConnection,
  logger: Logger,
  options: { ackWaitMs: number },
): Promise<DeliveryQueue> {
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js: JetStreamClient = jetstream(nc);
  try {
    await jsm.streams.info(DELIVERY_STREAM);
    await jsm.streams.update(DELIVERY_STREAM, STREAM);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(STREAM);
  }

  const consumerConfig = (recipient: string) => ({
    durable_name: consumerName(recipient),
    filter_subject: `${DELIVER_PREFIX}.${recipient}.>`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: options.ackWaitMs * 1e6,
    max_ack_pending: 1_000,
    inactive_threshold: INACTIVE_NS,
  });

  async function append(d: Delivery, expect?: number): Promise<void> {
    const data = encoder.encode(JSON.stringify(d));
    await js.publish(
      deliverySubject(d),
      data,
      expect === undefined ? undefined : { expect: { lastSubjectSequence: expect } },
    );
  }

  async function waiting(subject: string): Promise<{ seq: number; delivery: Delivery } | null> {
    const m = await jsm.direct.getMessage(DELIVERY_STREAM, { last_by_subj: subject });
    if (m === null) return null;
    return { seq: m.seq, delivery: JSON.parse(decoder.decode(m.data)) as Delivery };
  }

  return {
    durable: true,

    async open(recipient) {
      const config = consumerConfig(recipient);
      try {
        await jsm.consumers.info(DELIVERY_STREAM, config.durable_name);
        await jsm.consumers.update(DELIVERY_STREAM, config.durable_name, config);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await jsm.consumers.add(DELIVERY_STREAM, config);
      }
    },

    async remove(recipient) {
      await jsm.consumers.delete(DELIVERY_STREAM, consumerName(recipient)).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
      await jsm.streams.purge(DELIVERY_STREAM, { filter: `${DELIVER_PREFIX}.${recipient}.>` });
    },

    async publish(d) {
      // Nothing waiting for this object: the update goes in as it is.
      try {
        await append(d, 0);
        return;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
      // A cached object's current copy, or a full PUT, replaces whatever waits.
      if (d.method !== "PATCH" || isCachedModule(d.module)) {
        await append(collapse(d, d));
        return;
      }
      // A PATCH is laid over the waiting update, unless that changes under it.
      const subject = deliverySubject(d);
      for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
        const w = await waiting(subject);
        try {
          await append(collapse(w?.delivery, d), w?.seq ?? 0);
          return;
        } catch (err) {
          if (!isWrongLastSequence(err)) throw err;
        }
      }
      logger.warn({ subject }, "updates of one object keep racing; queued the newest alone");
      await append(d);
    },

    async purge(recipient) {
      const res = await jsm.streams.purge(DELIVERY_STREAM, {
        filter: `${DELIVER_PREFIX}.${recipient}.>`,
      });
      return res.purged;
    },

    async backlog(recipient): Promise<Backlog> {
      try {
        const info = await jsm.consumers.info(DELIVERY_STREAM, consumerName(recipient));
        return { pending: info.num_pending, inFlight: info.num_ack_pending };
      } catch (err) {
        if (isNotFound(err)) return { pending: 0, inFlight: 0 };
        throw err;
      }
    },

    consume(recipient, concurrency, handle): Consumption {
      let stopped = false;
      const running = new Set<Promise<void>>();
      let slot: (() => void) | undefined;
      let messages: Awaited<ReturnType<Awaited<ReturnType<typeof js.consumers.get>>["consume"]>>;
      const loop = (async () => {
        const consumer = await js.consumers.get(DELIVERY_STREAM, consumerName(recipient));
        messages = await consumer.consume({ max_messages: Math.max(concurrency * 2, 16) });
        if (stopped) messages.stop();
        for await (const m of messages) {
          if (stopped) {
            // Handed back at once, so the next owner need not wait for ack_wait.
            m.nak();
            continue;
          }
          while (running.size >= concurrency) {
            await new Promise<void>((resolve) => {
              slot = resolve;
            });
          }
          const run = handle(queued(m))
            .catch((err: unknown) => {
              logger.error({ err, recipient }, "delivery handler failed");
              m.nak(1_000);
            })
            .finally(() => {
              running.delete(run);
              slot?.();
              slot = undefined;
            });
          running.add(run);
        }
      })().catch((err: unknown) => {
        if (!stopped) logger.error({ err, recipient }, "delivery consumer ended");
      });
      return {
        async stop() {
          stopped = true;
          messages?.stop();
          slot?.();
          while (running.size > 0) await Promise.allSettled([...running]);
          await loop;
        },
      };
    },

    async close() {},
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

function apiCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; api_error?: { err_code?: number } };
  if (typeof e.code === "number") return e.code;
  return e.api_error?.err_code;
}

function isWrongLastSequence(err: unknown): boolean {
  return apiCode(err) === WRONG_LAST_SEQUENCE || /wrong last sequence/i.test(String(err as Error));
}

function isNotFound(err: unknown): boolean {
  const code = apiCode(err);
  return code === 10059 || code === 10014 || /not found/i.test(String(err as Error));
}
