import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "../logging/logger.js";
import type { Settler } from "./jetstream-settle.js";
import type { StallGuard } from "./jetstream-stall.js";
import type { Consumption, QueuedDelivery } from "./queue.js";

/**
 * How long one pull request waits for messages before the next one is
 * sent. Short expiries are not what keeps a recipient served: every expiry
 * is a chance of a lost pull. With nats-server 2.9 (Debian 12's), a push
 * that arrives just as a pull request expires can be neither delivered nor
 * answered with the expiry's 408: the client then waits for a request that
 * is gone, and the push with it, until the server's heartbeats are missed
 * (measured: every 30–60 broadcasts to 100 recipients, one recipient got
 * its push after the whole expiry of 10 s, or after 4 s with 4 s). So
 * pulls are long and heartbeats short.
 */
const PULL_EXPIRES_MS = 30_000;

/**
 * The server's heartbeat while a pull waits; two missed make the client
 * pull again. A pull lost by the server, or when the consumer's leader
 * moves to another node of a cluster, is thus replaced within about 4 s
 * (before: 10 s and more, with heartbeats at half the expiry).
 */
const PULL_HEARTBEAT_MS = 2_000;

/** A recipient whose consumer handed nothing out for this long is checked for a stall (see StallGuard). */
const STALL_CHECK_MS = 15_000;

/**
 * Hands the recipient's messages to `handle`, at most `concurrency` at a
 * time. While nothing comes, the consumer is checked for a stall every
 * STALL_CHECK_MS, and a stalled one's leader is asked to step down.
 */
export function consumeRecipient(c: {
  js: JetStreamClient;
  stream: string;
  durable: string;
  logger: Logger;
  recipient: string;
  concurrency: number;
  handle: (d: QueuedDelivery) => Promise<void>;
  /** The delivery a message is for the recipient; undefined when it is not for it (acknowledged at once). */
  toQueued: (m: JsMsg) => QueuedDelivery | undefined;
  /** Where the recipient's messages are settled (shared by every recipient of the instance). */
  settle: Settler;
  guard?: StallGuard;
}): Consumption {
  const { recipient, logger } = c;
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let lastSeen = Date.now();
  let checking = false;
  const handOff = createHandOff(c, () => {
    lastSeen = Date.now();
  });

  const loop = (async () => {
    const consumer = await c.js.consumers.get(c.stream, c.durable);
    // A callback, not the iterator: measured, the iterator cost the instance about 10 µs
    // and nats-server about 7 µs more per message (docs/performance.md).
    messages = await consumer.consume({
      max_messages: Math.max(c.concurrency * 2, 16),
      expires: PULL_EXPIRES_MS,
      idle_heartbeat: PULL_HEARTBEAT_MS,
      callback: (m) => {
        lastSeen = Date.now();
        if (stopped) {
          // Handed back at once, so the next owner need not wait for ack_wait.
          m.nak();
          return;
        }
        handOff.push(m);
      },
    });
    if (stopped) messages.stop();
    const ended = await messages.closed();
    if (ended instanceof Error) throw ended;
  })().catch((err: unknown) => {
    if (!stopped) logger.error({ err, recipient }, "delivery consumer ended");
  });
  const watch = setInterval(() => {
    const guard = c.guard;
    if (guard === undefined || stopped || checking || handOff.busy()) return;
    if (Date.now() - lastSeen < STALL_CHECK_MS) return;
    checking = true;
    guard
      .check()
      .then(async (stall) => {
        if (stall === "none" || stopped) return;
        logger.warn(
          { recipient, stall },
          stall === "stuck"
            ? "delivery consumer stalled with deliveries waiting; moving its leader"
            : "deliveries left behind the consumer's ack floor; queueing them again",
        );
        await guard.repair(stall);
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
      await handOff.stop();
      await loop;
      c.settle.flush();
    },
  };
}

/**
 * Hands the recipient's messages to `handle` in the order the server handed
 * them out, at most `concurrency` being handled at a time; the rest wait
 * here. `settled` is called as each handling ends.
 */
function createHandOff(
  c: Pick<
    Parameters<typeof consumeRecipient>[0],
    "concurrency" | "handle" | "toQueued" | "settle" | "logger" | "recipient"
  >,
  settled: () => void,
) {
  const { recipient, logger } = c;
  const running = new Set<Promise<void>>();
  /** Handed out by the server and not yet handled, oldest first (from `next`). */
  const waiting: JsMsg[] = [];
  let next = 0;
  let stopped = false;

  function run(m: JsMsg): void {
    let q: QueuedDelivery | undefined;
    try {
      q = c.toQueued(m);
    } catch (err) {
      // Unreadable now is unreadable on every redelivery.
      logger.error({ err, recipient, seq: m.seq }, "a queued message could not be read; dropped");
      c.settle.term(m);
      return;
    }
    if (q === undefined) {
      c.settle.ack(m);
      return;
    }
    const handled = c
      .handle(q)
      .catch((err: unknown) => {
        logger.error({ err, recipient }, "delivery handler failed");
        c.settle.nak(m, 1_000);
      })
      .finally(() => {
        running.delete(handled);
        settled();
        pump();
      });
    running.add(handled);
  }

  /** Passes the waiting messages on, in order, while fewer than `concurrency` are being handled. */
  function pump(): void {
    while (!stopped && running.size < c.concurrency && next < waiting.length) {
      const m = waiting[next] as JsMsg;
      next++;
      run(m);
    }
    // What was passed on leaves the array once it is half of it.
    if (next > 0 && next * 2 >= waiting.length) {
      waiting.splice(0, next);
      next = 0;
    }
  }

  return {
    push(m: JsMsg): void {
      waiting.push(m);
      pump();
    },
    /** Whether a message is being handled (none waits then unless all slots are taken). */
    busy: () => running.size > 0,
    /** Hands back at once what was not started, for the next owner; waits for the rest. */
    async stop(): Promise<void> {
      stopped = true;
      for (let i = next; i < waiting.length; i++) (waiting[i] as JsMsg).nak();
      waiting.length = 0;
      next = 0;
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
