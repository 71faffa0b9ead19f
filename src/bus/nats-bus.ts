import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createJetStreamQueue } from "../delivery/jetstream-queue.js";
import type { Logger } from "../logging/logger.js";
import { type Bus, encodeJson, message } from "./bus.js";

/** Redelivery of a delivery whose instance died before settling it, by default. */
const ACK_WAIT_MS = 30_000;

/**
 * Connects to NATS and provisions the delivery stream; fails when the
 * server cannot be reached within a few seconds.
 */
export async function createNatsBus(
  url: string,
  logger: Logger,
  options: { ackWaitMs?: number } = {},
): Promise<Bus> {
  const nc: NatsConnection = await connect({
    servers: url,
    name: "ocpi-hub",
    maxReconnectAttempts: -1,
    timeout: 5_000,
    // Capturing a stack for every request costs about 14 µs per delivery published.
    noAsyncTraces: true,
  });
  (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "reconnect") {
        logger.warn({ nats: status.type }, "NATS connection status changed");
      }
    }
  })().catch(() => {});
  let queue: Awaited<ReturnType<typeof createJetStreamQueue>>;
  try {
    queue = await createJetStreamQueue(nc, logger, { ackWaitMs: options.ackWaitMs ?? ACK_WAIT_MS });
  } catch (err) {
    await nc.close();
    throw err;
  }
  return {
    kind: "nats",
    durable: true,
    queue,
    async publish(subject, payload) {
      nc.publish(subject, encodeJson(payload));
    },
    subscribe(subject, handler) {
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) {
            logger.error({ err, subject }, "NATS subscription failed");
            return;
          }
          Promise.resolve()
            .then(() => handler(message(msg.subject, msg.data)))
            .catch((cause: unknown) => logger.error({ err: cause, subject }, "bus handler failed"));
        },
      });
      return () => sub.unsubscribe();
    },
    async ping() {
      if (nc.isClosed()) return false;
      try {
        await nc.flush();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
