import {
  type Backlog,
  type Consumption,
  collapse,
  type Delivery,
  type DeliveryQueue,
  type QueuedDelivery,
} from "./queue.js";

interface Entry {
  seq: number;
  delivery: Delivery;
  attempts: number;
  /** Not handed out before this time (epoch ms). */
  notBefore: number;
  handedOut: boolean;
}

interface Recipient {
  /** By object key; a Map keeps insertion order, and a replaced entry moves to the end. */
  entries: Map<string, Entry>;
  consumer?: Consumer;
}

interface Consumer {
  concurrency: number;
  handle: (d: QueuedDelivery) => Promise<void>;
  active: number;
  stopped: boolean;
  timer?: NodeJS.Timeout;
  /** The one timer for deliveries waiting out a retry delay, and when it fires. */
  retryTimer?: NodeJS.Timeout;
  retryAt?: number;
  running: Set<Promise<void>>;
}

/**
 * The delivery queue of a hub without NATS: the same collapsing, ordering
 * and retry behaviour as JetStream, in this process only. Nothing queued
 * survives a restart.
 */
export function createMemoryQueue(): DeliveryQueue {
  const recipients = new Map<string, Recipient>();
  let seq = 0;

  function recipientOf(id: string): Recipient {
    let r = recipients.get(id);
    if (r === undefined) {
      r = { entries: new Map() };
      recipients.set(id, r);
    }
    return r;
  }

  return {
    durable: false,
    async open(recipient) {
      recipientOf(recipient);
    },
    async remove(recipient) {
      const r = recipients.get(recipient);
      if (r === undefined) return;
      r.entries.clear();
      if (r.consumer === undefined) recipients.delete(recipient);
    },
    async publish(delivery) {
      const r = recipientOf(delivery.recipient);
      const waiting = r.entries.get(delivery.key);
      const next = collapse(waiting?.delivery, delivery);
      r.entries.delete(delivery.key);
      r.entries.set(delivery.key, {
        seq: ++seq,
        delivery: next,
        attempts: 0,
        notBefore: 0,
        handedOut: false,
      });
      wake(r);
    },
    async purge(recipient) {
      const r = recipients.get(recipient);
      if (r === undefined) return 0;
      const n = r.entries.size;
      r.entries.clear();
      return n;
    },
    async backlog(recipient): Promise<Backlog> {
      const r = recipients.get(recipient);
      let inFlight = 0;
      for (const e of r?.entries.values() ?? []) if (e.handedOut) inFlight++;
      return { pending: (r?.entries.size ?? 0) - inFlight, inFlight };
    },
    consume(recipient, concurrency, handle): Consumption {
      const r = recipientOf(recipient);
      const c: Consumer = { concurrency, handle, active: 0, stopped: false, running: new Set() };
      r.consumer = c;
      wake(r);
      return {
        async stop() {
          c.stopped = true;
          if (c.timer !== undefined) clearTimeout(c.timer);
          if (c.retryTimer !== undefined) clearTimeout(c.retryTimer);
          while (c.running.size > 0) await Promise.allSettled([...c.running]);
          if (r.consumer === c) r.consumer = undefined;
          // What was handed out and not settled is handed out again to the next consumer.
          for (const e of r.entries.values()) e.handedOut = false;
        },
      };
    },
    async close() {
      for (const r of recipients.values()) r.consumer = undefined;
      recipients.clear();
    },
  };
}

/** Ends a hand-out: the entry leaves the queue, or waits `then` ms for its next attempt. */
function settle(r: Recipient, key: string, entry: Entry, then: "delete" | number): void {
  // A newer update replaced this entry meanwhile: nothing left to settle.
  if (r.entries.get(key) !== entry) return;
  if (then === "delete") {
    r.entries.delete(key);
    return;
  }
  entry.handedOut = false;
  entry.attempts++;
  entry.notBefore = Date.now() + then;
  if (r.consumer !== undefined) wake(r);
}

/** Dispatches on the next turn of the event loop, once however often it is woken meanwhile. */
function wake(r: Recipient): void {
  const c = r.consumer;
  if (c === undefined || c.stopped) return;
  if (c.timer !== undefined) return;
  c.timer = setTimeout(() => {
    c.timer = undefined;
    dispatch(r);
  }, 0);
  c.timer.unref();
}

/** Hands out what is due, in queue order, up to the consumer's concurrency. */
function dispatch(r: Recipient): void {
  const c = r.consumer;
  if (c === undefined || c.stopped) return;
  const now = Date.now();
  let due = Number.POSITIVE_INFINITY;
  for (const [key, entry] of r.entries) {
    if (c.active >= c.concurrency) return;
    if (entry.handedOut) continue;
    if (entry.notBefore > now) {
      due = Math.min(due, entry.notBefore);
      continue;
    }
    entry.handedOut = true;
    c.active++;
    const queued: QueuedDelivery = {
      delivery: entry.delivery,
      seq: entry.seq,
      attempts: entry.attempts,
      ack: () => settle(r, key, entry, "delete"),
      drop: () => settle(r, key, entry, "delete"),
      retry: (delayMs) => settle(r, key, entry, Math.max(0, delayMs)),
    };
    const run = c
      .handle(queued)
      .catch(() => settle(r, key, entry, 1_000))
      .finally(() => {
        c.active--;
        c.running.delete(run);
        wake(r);
      });
    c.running.add(run);
  }
  // A timer may fire a little early: whatever is not due yet gets a timer of its own.
  if (due !== Number.POSITIVE_INFINITY && !(c.retryAt !== undefined && c.retryAt <= due)) {
    if (c.retryTimer !== undefined) clearTimeout(c.retryTimer);
    c.retryAt = due;
    c.retryTimer = setTimeout(
      () => {
        c.retryAt = undefined;
        c.retryTimer = undefined;
        dispatch(r);
      },
      Math.max(1, due - now),
    );
    c.retryTimer.unref();
  }
}
