import type { CurrentCopies } from "./current-copies.js";
import { createGate } from "./gate.js";
import { type Addressing, collapse, type Delivery, type QueuedDelivery } from "./queue.js";
import { type Outcome, send } from "./send.js";
import type { DeliveryDeps } from "./service.js";
import type { Starts } from "./starts.js";
import type { Counters } from "./stats.js";

/** Sends in flight per recipient; different objects go in parallel. */
const CONCURRENCY = 16;
/**
 * Queue entries taken in at a time per source: more than the sends in
 * flight, so that a recipient that falls behind has the updates of one
 * object merged here into one send (collapse()) instead of each sent.
 */
const INTAKE = 256;
/** First retry delay; it doubles per attempt up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 250;
export const RETRY_MAX_MS = 15_000;

export interface WorkerDeps
  extends Pick<
    DeliveryDeps,
    "config" | "queue" | "registry" | "client" | "logger" | "metrics" | "clock"
  > {
  cached: CurrentCopies;
  /** When a send may start its request: shared by the instance's recipients. */
  starts: Starts;
  /** The recipient kept failing past the delivery window. */
  windowPassed(recipient: string, counters: Counters): void;
  /** The party the recipient receives a broadcast push as, or undefined when it is not for it. */
  addressed?: (recipient: string) => Addressing;
}

/** This instance delivering to one recipient: its consumer and its counters. */
export interface RecipientWorker {
  readonly counters: Counters;
  /** When the recipient was last probed while OFFLINE (epoch ms). */
  lastProbe: number;
  /** Stops the consumer and waits for the deliveries being handled. */
  stop(): Promise<void>;
}

/** An update of one object to send, merged from queue entries, and the entries its sending settles. */
interface Batch {
  delivery: Delivery;
  entries: QueuedDelivery[];
  /**
   * When its newest entry was taken in (performance.now()): a current copy
   * read since then holds every update merged here (current-copies.ts).
   */
  takenAt: number;
}

/** One object's updates at this recipient. */
interface ObjectState {
  /** The newest sequence taken in, per source: an older entry handed out again is not news. */
  seen: { push: number; direct: number };
  /** What waits to be sent: every update taken in since the last send, merged. */
  waiting?: Batch;
  inFlight?: Batch;
}

/**
 * Consumes the recipient's queue: different objects in parallel, the
 * updates of one object one send at a time and never an older one after a
 * newer one (architecture.md: Delivery). Updates of an object that arrive
 * while one is in flight or waiting out a retry are merged into the next
 * send, so a recipient that falls behind gets one update per object with
 * every field change in it (collapse()). Retries wait here, holding their
 * queue entries unsettled: if this instance dies, the entries are handed to
 * the next owner, which merges them again.
 */
export function startWorker(d: WorkerDeps, recipient: string, counters: Counters): RecipientWorker {
  const objects = new Map<string, ObjectState>();
  /** Objects with an update waiting for a free send slot, in arrival order. */
  const ready = new Set<string>();
  const sends = new Set<Promise<void>>();
  const gate = createGate(RETRY_FIRST_MS, RETRY_MAX_MS, () => drain());
  let stopped = false;

  /** Starts what waits for a send slot, oldest first, while slots are free and the gate is open. */
  function drain(): void {
    for (const next of ready) {
      if (stopped || sends.size >= CONCURRENCY || gate.closed()) return;
      const other = objects.get(next);
      if (other === undefined) ready.delete(next);
      else pump(next, other);
    }
  }

  /**
   * The recipient is not connected (any more): what waits here for it is
   * dropped and counted, one per object; it catches up on its return.
   */
  function dropHeld(): void {
    gate.open();
    dropWaiting(d, objects, counters);
    ready.clear();
  }

  function take(q: QueuedDelivery): Promise<void> {
    const { delivery } = q;
    const c = counters;
    const platform = d.registry.get(recipient);
    if (platform === undefined || platform.status !== "CONNECTED") {
      // Nothing goes to a platform that is not connected; it catches up on its return.
      d.metrics.observeDelivery(delivery.module, "dropped");
      q.drop();
      c.dropped++;
      c.dirty = true;
      if (objects.size > 0) dropHeld();
      return Promise.resolve();
    }
    let st = objects.get(delivery.key);
    if (st === undefined) {
      st = { seen: { push: 0, direct: 0 } };
      objects.set(delivery.key, st);
    }
    if (absorb(st, q)) pump(delivery.key, st);
    return Promise.resolve();
  }

  /** Sends the object's waiting update when nothing of it is in flight, a slot is free and the gate open. */
  function pump(key: string, st: ObjectState): void {
    if (stopped || st.inFlight !== undefined) return;
    const batch = st.waiting;
    if (batch === undefined) {
      objects.delete(key);
      return;
    }
    if (sends.size >= CONCURRENCY || gate.closed()) {
      ready.add(key);
      return;
    }
    ready.delete(key);
    const probe = gate.probe();
    st.waiting = undefined;
    st.inFlight = batch;
    const run = attempt(batch).then((outcome) => {
      st.inFlight = undefined;
      sends.delete(run);
      if (outcome.kind === "failed") {
        settle(d, recipient, counters, key, st, batch, outcome, {
          retry: (left) => {
            ready.add(key);
            return gate.failed(probe, left);
          },
          dropHeld,
        });
      } else {
        // The recipient answered: whatever waits for it may go.
        gate.open();
        settle(d, recipient, counters, key, st, batch, outcome, { retry: () => 0, dropHeld });
      }
      gate.answered(probe);
      pump(key, st);
      drain();
    });
    sends.add(run);
  }

  async function attempt(batch: Batch): Promise<Outcome> {
    await d.starts.next();
    const platform = d.registry.get(recipient);
    if (platform === undefined || platform.status !== "CONNECTED") {
      return { kind: "failed", reason: "not connected" };
    }
    try {
      return await send(d, batch.delivery, platform, batch.takenAt);
    } catch (err) {
      d.logger.error({ err, platform_id: recipient }, "delivery handler failed");
      return { kind: "failed", reason: "the hub failed to send it" };
    }
  }

  const consumption = d.queue.consume(recipient, INTAKE, take, d.addressed?.(recipient));
  return {
    counters,
    lastProbe: d.clock.now().getTime(),
    async stop() {
      await consumption.stop();
      stopped = true;
      while (sends.size > 0) await Promise.allSettled([...sends]);
      gate.open();
      // What is held goes back to the queue at once, so the next owner need not wait for it.
      for (const st of objects.values()) {
        for (const q of st.waiting?.entries ?? []) q.retry(0);
      }
      objects.clear();
    },
  };
}

/** Drops and counts every object's waiting update (one per object); idle objects are forgotten. */
function dropWaiting(d: WorkerDeps, objects: Map<string, ObjectState>, c: Counters): void {
  for (const [key, st] of objects) {
    const waiting = st.waiting;
    st.waiting = undefined;
    c.retrying.delete(key);
    if (waiting === undefined) continue;
    for (const q of waiting.entries) q.drop();
    d.metrics.observeDelivery(waiting.delivery.module, "dropped");
    c.dropped++;
    c.dirty = true;
    if (st.inFlight === undefined) objects.delete(key);
  }
}

/**
 * Takes a queue entry into its object's waiting update, merged with what
 * waits already; false when it is no news: handed out again while held
 * here (its ack deadline passed; it takes the held one's place), or older than
 * an update taken in already, which carries it (then it is done).
 */
function absorb(st: ObjectState, q: QueuedDelivery): boolean {
  if (q.seq <= st.seen[q.source]) {
    // The newest hand-out of a held entry is the one its settling answers.
    if (!replaceHeld(st, q)) q.ack();
    return false;
  }
  st.seen[q.source] = q.seq;
  const delivery = handedOutAgain(q) ? collapse(q.delivery, q.delivery) : q.delivery;
  const w = st.waiting;
  const takenAt = performance.now();
  st.waiting =
    w === undefined
      ? { delivery, entries: [q], takenAt }
      : { delivery: collapse(w.delivery, delivery), entries: [...w.entries, q], takenAt };
  return true;
}

/**
 * A push handed out again: its first hand-out may have been sent, and a
 * newer push of the object after it, by an instance that died before its
 * acknowledgement reached NATS. Sent as it is, it would replay an older
 * state; a location or tariff goes as the hub's current copy instead
 * (collapse() of it alone), which is never older than what was sent.
 */
const handedOutAgain = (q: QueuedDelivery) => q.source === "push" && q.attempts > 0;

/** Puts `q` in place of the entry of the same source and sequence the object holds; false when it holds none. */
function replaceHeld(st: ObjectState, q: QueuedDelivery): boolean {
  for (const batch of [st.waiting, st.inFlight]) {
    const entries = batch?.entries ?? [];
    const i = entries.findIndex((e) => e.seq === q.seq && e.source === q.source);
    if (i >= 0) {
      entries[i] = q;
      return true;
    }
  }
  return false;
}

/**
 * Settles a send by its outcome, and with it every queue entry merged
 * into it: a failure is retried with backoff inside the delivery window,
 * counted from the recipient's first failure, with the updates taken in
 * meanwhile merged into the retry.
 */
function settle(
  d: WorkerDeps,
  recipient: string,
  c: Counters,
  key: string,
  st: ObjectState,
  batch: Batch,
  outcome: Outcome,
  then: {
    /** Queues the object's waiting update for a retry within `left` ms; returns the failures so far. */
    retry: (left: number) => number;
    dropHeld: () => void;
  },
): void {
  const now = d.clock.now();
  const { delivery, entries } = batch;
  const each = (f: (q: QueuedDelivery) => void) => {
    for (const q of entries) f(q);
  };
  c.dirty = true;
  d.metrics.observeDelivery(delivery.module, outcome.kind);
  if (outcome.kind !== "failed") c.retrying.delete(key);
  switch (outcome.kind) {
    case "delivered":
      each((q) => q.ack());
      c.delivered++;
      c.lastSuccessAt = now;
      c.failingSince = undefined;
      return;
    case "rejected":
    case "gone":
      // Retrying cannot change the answer; broadcast failures concern the hub only.
      each((q) => q.ack());
      c.lastError = `${delivery.method} ${delivery.module} ${delivery.path}: ${outcome.reason}`;
      c.lastErrorAt = now;
      d.logger.warn(
        { platform_id: recipient, module: delivery.module, path: delivery.path },
        `delivery not accepted: ${outcome.reason}`,
      );
      return;
    case "withheld":
      each((q) => q.drop());
      c.dropped++;
      d.logger.info(
        { platform_id: recipient, module: delivery.module, path: delivery.path },
        `delivery withheld: ${outcome.reason}`,
      );
      return;
    case "failed": {
      if (c.goingOffline || d.registry.get(recipient)?.status !== "CONNECTED") {
        // Its queue is being dropped: this attempt goes with it, with what else waits here,
        // and opens no new window. The purge counts only what the queue still held.
        c.dropped++;
        each((q) => q.drop());
        c.retrying.delete(key);
        then.dropHeld();
        return;
      }
      c.lastError = `${delivery.method} ${delivery.module} ${delivery.path}: ${outcome.reason}`;
      c.lastErrorAt = now;
      c.failingSince ??= now;
      const left = c.failingSince.getTime() + d.config.deliveryWindowMs - now.getTime();
      if (left <= 0) {
        each((q) => q.drop());
        c.dropped++;
        c.retrying.delete(key);
        then.dropHeld();
        d.windowPassed(recipient, c);
        return;
      }
      c.retrying.add(key);
      const w = st.waiting;
      st.waiting =
        w === undefined
          ? batch
          : {
              delivery: collapse(delivery, w.delivery),
              entries: [...entries, ...w.entries],
              takenAt: Math.max(batch.takenAt, w.takenAt),
            };
      const failures = then.retry(left);
      d.logger.debug(
        { platform_id: recipient, failures, reason: outcome.reason },
        "delivery failed; retrying",
      );
    }
  }
}
