import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../logging/logger.js";
import { type Bus, encodeJson, message } from "./bus.js";

/**
 * Connects to NATS, reconnecting for ever once connected; fails when the
 * server cannot be reached within a few seconds.
 */
export async function connectNats(url: string, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({
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
  return nc;
}

/**
 * The bus on a NATS connection (core publish/subscribe). The bus owns the
 * connection: closing it drains the connection, so whatever else uses the
 * connection (the delivery queue) is closed first.
 */
export function createNatsBus(nc: NatsConnection, logger: Logger): Bus {
  return {
    kind: "nats",
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
