import {
  type Backlog,
  type Consumption,
  collapse,
  type Delivery,
  type DeliveryQueue,
  type QueuedDelivery,
} from "./queue.js";

/** What a waiting delivery is reckoned to take besides its path, query and body. */
const ENTRY_OVERHEAD = 256;

/** A recipient's deliveries waiting in memory, by default (see MemoryQueueOptions). */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export interface MemoryQueueOptions {
  /**
   * Bytes of deliveries one recipient may have waiting: the characters of
   * their bodies, paths and queries and ENTRY_OVERHEAD each. Past it the
   * oldest waiting work is shed (see shed()).
   */
  maxBytesPerRecipient?: number;
  onShed?: ShedListener;
}

/**
 * Told of each delivery shed: "body" when only its body went (the
 * recipient gets the hub's current copy), "delivery" when it went whole.
 */
export type ShedListener = (delivery: Delivery, what: "body" | "delivery") => void;

interface Entry {
  seq: number;
  delivery: Delivery;
  /** sizeOf(delivery), counted in the recipient's bytes. */
  size: number;
  attempts: number;
  /** Not handed out before this time (epoch ms). */
  notBefore: number;
  handedOut: boolean;
}

interface Recipient {
  /** By object key; a Map keeps insertion order, and a replaced entry moves to the end. */
  entries: Map<string, Entry>;
  /** The sizes of the entries together. */
  bytes: number;
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
 * survives a restart. What waits for one recipient is bounded in bytes, so
 * that a recipient that is slow or away cannot fill the hub's memory.
 */
export function createMemoryQueue(options: MemoryQueueOptions = {}): DeliveryQueue {
  const maxBytes = options.maxBytesPerRecipient ?? MAX_QUEUED_BYTES;
  const onShed = options.onShed ?? (() => {});
  const recipients = new Map<string, Recipient>();
  let seq = 0;

  function recipientOf(id: string): Recipient {
    let r = recipients.get(id);
    if (r === undefined) {
      r = { entries: new Map(), bytes: 0 };
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
      r.bytes = 0;
      if (r.consumer === undefined) recipients.delete(recipient);
    },
    async publish(delivery) {
      const r = recipientOf(delivery.recipient);
      const waiting = r.entries.get(delivery.key);
      const next = collapse(waiting?.delivery, delivery);
      if (waiting !== undefined) r.bytes -= waiting.size;
      r.entries.delete(delivery.key);
      const size = sizeOf(next);
      r.entries.set(delivery.key, {
        seq: ++seq,
        delivery: next,
        size,
        attempts: 0,
        notBefore: 0,
        handedOut: false,
      });
      r.bytes += size;
      if (r.bytes > maxBytes) shed(r, maxBytes, onShed);
      wake(r);
    },
    async purge(recipient) {
      const r = recipients.get(recipient);
      if (r === undefined) return 0;
      const n = r.entries.size;
      r.entries.clear();
      r.bytes = 0;
      return n;
    },
    async backlog(recipient, options): Promise<Backlog> {
      const r = recipients.get(recipient);
      let inFlight = 0;
      for (const e of r?.entries.values() ?? []) if (e.handedOut) inFlight++;
      const backlog: Backlog = { pending: (r?.entries.size ?? 0) - inFlight, inFlight };
      // Entries are in queue order: the first one waits longest.
      const first = options?.oldest ? r?.entries.values().next().value : undefined;
      if (first !== undefined) backlog.oldestAcceptedAt = first.delivery.acceptedAt;
      return backlog;
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

const sizeOf = (d: Delivery) =>
  ENTRY_OVERHEAD + d.path.length + d.query.length + (d.body?.length ?? 0);

/**
 * Brings a recipient's waiting deliveries back under `maxBytes`, oldest
 * first, never one handed out. First what sheds nothing: the body of a
 * push of a cached object, which the cache holds in a version at least as
 * new, so the delivery becomes the hub's current copy (as when updates
 * pile up, see collapse()); down to three quarters of the bound, so that
 * this pass does not run on every publish. Then, if still over, whole
 * deliveries, the oldest first: work the recipient's next catch-up or
 * GETs have to make good (transport_and_format: Offline behaviour).
 */
function shed(r: Recipient, maxBytes: number, onShed: ShedListener): void {
  const lowWater = Math.floor((maxBytes * 3) / 4);
  for (const entry of r.entries.values()) {
    if (r.bytes <= lowWater) break;
    const d = entry.delivery;
    if (entry.handedOut || d.body === undefined) continue;
    const current = collapse(d, d);
    if (current.current === undefined) continue;
    const size = sizeOf(current);
    r.bytes += size - entry.size;
    entry.delivery = current;
    entry.size = size;
    onShed(d, "body");
  }
  for (const [key, entry] of r.entries) {
    if (r.bytes <= maxBytes) break;
    if (entry.handedOut) continue;
    r.entries.delete(key);
    r.bytes -= entry.size;
    onShed(entry.delivery, "delivery");
  }
}

/** Ends a hand-out: the entry leaves the queue, or waits `then` ms for its next attempt. */
function settle(r: Recipient, key: string, entry: Entry, then: "delete" | number): void {
  // A newer update replaced this entry meanwhile: nothing left to settle.
  if (r.entries.get(key) !== entry) return;
  if (then === "delete") {
    r.entries.delete(key);
    r.bytes -= entry.size;
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
