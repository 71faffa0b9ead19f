import {
  append,
  cursorOf,
  handBack,
  handOut,
  newPushLog,
  type PushLog,
  pushBacklog,
  trim,
} from "./memory-pushes.js";
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
  /** Bytes of broadcast pushes the log holds for the slowest recipient (default: four recipients' worth). */
  maxPushBytes?: number;
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
  id: string;
  /** The hub's one log of broadcast pushes, which this recipient's cursor reads. */
  log: PushLog;
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
  const maxPushBytes = options.maxPushBytes ?? 4 * maxBytes;
  const recipients = new Map<string, Recipient>();
  const pushes = newPushLog();
  let seq = 0;

  function recipientOf(id: string): Recipient {
    let r = recipients.get(id);
    if (r === undefined) {
      r = { id, log: pushes, entries: new Map(), bytes: 0 };
      recipients.set(id, r);
    }
    return r;
  }

  const enqueue = (delivery: Delivery) =>
    queueFor(recipientOf(delivery.recipient), delivery, maxBytes, onShed, ++seq);

  return {
    durable: false,
    async open(recipient) {
      recipientOf(recipient);
      cursorOf(pushes, recipient);
    },
    async remove(recipient) {
      pushes.cursors.delete(recipient);
      const r = recipients.get(recipient);
      if (r === undefined) return;
      r.entries.clear();
      r.bytes = 0;
      if (r.consumer === undefined) recipients.delete(recipient);
    },
    async publish(delivery) {
      enqueue(delivery);
    },
    async broadcast(push) {
      append(pushes, push);
      // Every few pushes (and whenever the log is over its bound) what every cursor is done with goes.
      if (pushes.last % 64 === 0 || pushes.bytes > maxPushBytes) {
        trim(pushes, maxPushBytes, enqueue, (d) => onShed(d, "delivery"));
      }
      for (const r of recipients.values()) wake(r);
    },
    async purge(recipient) {
      const cursor = pushes.cursors.get(recipient);
      let skipped = 0;
      if (cursor !== undefined) {
        skipped = pushBacklog(pushes, cursor).pending;
        cursor.next = pushes.last + 1;
        for (const at of cursor.again.keys()) cursor.unsettled.delete(at);
        cursor.again.clear();
      }
      const r = recipients.get(recipient);
      if (r === undefined) return skipped;
      // What the recipient's worker holds (handed out) it drops and counts itself.
      let n = skipped;
      for (const e of r.entries.values()) if (!e.handedOut) n++;
      r.entries.clear();
      r.bytes = 0;
      return n;
    },
    async backlog(recipient, options): Promise<Backlog> {
      const r = recipients.get(recipient);
      let inFlight = 0;
      for (const e of r?.entries.values() ?? []) if (e.handedOut) inFlight++;
      const p = pushBacklog(pushes, pushes.cursors.get(recipient));
      const backlog: Backlog = {
        pending: (r?.entries.size ?? 0) - inFlight + p.pending,
        inFlight: inFlight + p.inFlight,
      };
      if (!options?.oldest) return backlog;
      // Entries are in queue order: the first one waits longest.
      const first = r?.entries.values().next().value?.delivery.acceptedAt;
      const oldest = [first, p.oldest].filter((t): t is number => t !== undefined);
      if (oldest.length > 0) backlog.oldestAcceptedAt = Math.min(...oldest);
      return backlog;
    },
    consume(recipient, concurrency, handle, addressed): Consumption {
      const r = recipientOf(recipient);
      const cursor = cursorOf(pushes, recipient);
      cursor.addressed = addressed;
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
          handBack(cursor);
        },
      };
    },
    async close() {
      for (const r of recipients.values()) r.consumer = undefined;
      recipients.clear();
      pushes.cursors.clear();
      pushes.entries = [];
    },
  };
}

/** A recipient's own delivery queued: a newer one of the same object replaces the waiting one. */
function queueFor(
  r: Recipient,
  delivery: Delivery,
  maxBytes: number,
  onShed: ShedListener,
  seq: number,
): void {
  const waiting = r.entries.get(delivery.key);
  const next = collapse(waiting?.delivery, delivery);
  if (waiting !== undefined) r.bytes -= waiting.size;
  r.entries.delete(delivery.key);
  const size = sizeOf(next);
  r.entries.set(delivery.key, {
    seq,
    delivery: next,
    size,
    attempts: 0,
    notBefore: 0,
    handedOut: false,
  });
  r.bytes += size;
  if (r.bytes > maxBytes) shed(r, maxBytes, onShed);
  wake(r);
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

/** Hands out what is due, in queue order, up to the consumer's concurrency: its own deliveries, then pushes. */
function dispatch(r: Recipient): void {
  const c = r.consumer;
  if (c === undefined || c.stopped) return;
  const now = Date.now();
  let due = Number.POSITIVE_INFINITY;
  const give = (queued: QueuedDelivery, failed: () => void) => {
    c.active++;
    const run = c
      .handle(queued)
      .catch(failed)
      .finally(() => {
        c.active--;
        c.running.delete(run);
        wake(r);
      });
    c.running.add(run);
  };
  for (const [key, entry] of r.entries) {
    if (c.active >= c.concurrency) break;
    if (entry.handedOut) continue;
    if (entry.notBefore > now) {
      due = Math.min(due, entry.notBefore);
      continue;
    }
    entry.handedOut = true;
    const queued: QueuedDelivery = {
      delivery: entry.delivery,
      source: "direct",
      seq: entry.seq,
      attempts: entry.attempts,
      ack: () => settle(r, key, entry, "delete"),
      drop: () => settle(r, key, entry, "delete"),
      retry: (delayMs) => settle(r, key, entry, Math.max(0, delayMs)),
    };
    give(queued, () => settle(r, key, entry, 1_000));
  }
  const cursor = r.log.cursors.get(r.id);
  if (cursor !== undefined) {
    const pushDue = handOut(
      r.log,
      r.id,
      cursor,
      () => c.active < c.concurrency,
      (q) => give(q, () => q.retry(1_000)),
      now,
    );
    if (pushDue !== undefined) due = Math.min(due, pushDue);
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
