import type { Logger } from "../logging/logger.js";
import { type Bus, type BusHandler, encodeJson, message } from "./bus.js";

/**
 * The bus of a hub without NATS: handlers run on the next tick in this
 * process only. Several apps in one process (tests, or two instances in one
 * process) may share one instance to see each other's messages.
 */
export function createInProcessBus(logger?: Logger): Bus {
  const handlers = new Map<string, Set<BusHandler>>();
  let closed = false;
  return {
    kind: "in-process",
    async publish(subject, payload) {
      if (closed) throw new Error("bus is closed");
      const data = encodeJson(payload);
      for (const handler of handlers.get(subject) ?? []) {
        setImmediate(() => {
          Promise.resolve()
            .then(() => handler(message(subject, data)))
            .catch((err: unknown) => logger?.error({ err, subject }, "bus handler failed"));
        });
      }
    },
    subscribe(subject, handler) {
      let set = handlers.get(subject);
      if (set === undefined) {
        set = new Set();
        handlers.set(subject, set);
      }
      set.add(handler);
      return () => {
        set.delete(handler);
      };
    },
    async ping() {
      return !closed;
    },
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
