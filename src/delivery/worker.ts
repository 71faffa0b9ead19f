import { OutboundError } from "../egress/ocpi-client.js";
import { cacheOf } from "../modules/index.js";
import { routingHeaders } from "../ocpi/headers.js";
import { hubParty, sameParty } from "../ocpi/parties.js";
import { endpointOf, type Platform } from "../registry/registry.js";
import type { CachedObjects } from "./catch-up.js";
import {
  type Addressing,
  collapse,
  currentTarget,
  type Delivery,
  isCachedModule,
  pathObject,
  type QueuedDelivery,
} from "./queue.js";
import type { DeliveryDeps } from "./service.js";
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

type Outcome =
  | { kind: "delivered" }
  | { kind: "rejected"; reason: string }
  | { kind: "failed"; reason: string }
  | { kind: "gone"; reason: string }
  /** The recipient may no longer see the object (a roaming agreement ended): not sent. */
  | { kind: "withheld"; reason: string };

export interface WorkerDeps
  extends Pick<
    DeliveryDeps,
    "config" | "queue" | "registry" | "client" | "logger" | "metrics" | "clock"
  > {
  cached: Pick<CachedObjects, "currentDoc">;
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
}

/** One object's updates at this recipient. */
interface ObjectState {
  /** The newest sequence taken in, per source: an older entry handed out again is not news. */
  seen: { push: number; direct: number };
  /** What waits to be sent: every update taken in since the last send, merged. */
  waiting?: Batch;
  inFlight?: Batch;
  /** Failed sends in a row; the retry delay grows with them. */
  failures: number;
  retryTimer?: NodeJS.Timeout;
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
  let stopped = false;

  /**
   * The recipient is not connected (any more): what waits here for it is
   * dropped and counted, one per object; it catches up on its return.
   */
  function dropHeld(): void {
    for (const [key, st] of objects) {
      if (st.retryTimer !== undefined) clearTimeout(st.retryTimer);
      st.retryTimer = undefined;
      const waiting = st.waiting;
      st.waiting = undefined;
      counters.retrying.delete(key);
      if (waiting === undefined) continue;
      for (const q of waiting.entries) q.drop();
      d.metrics.observeDelivery(waiting.delivery.module, "dropped");
      counters.dropped++;
      counters.dirty = true;
      if (st.inFlight === undefined) objects.delete(key);
    }
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
      st = { seen: { push: 0, direct: 0 }, failures: 0 };
      objects.set(delivery.key, st);
    }
    if (q.seq <= st.seen[q.source]) {
      // Handed out again while held here (its ack deadline passed): the held entry settles it.
      // Otherwise older than an update taken in already, which carries it: done.
      if (!holds(st, q)) q.ack();
      return Promise.resolve();
    }
    st.seen[q.source] = q.seq;
    const w = st.waiting;
    st.waiting =
      w === undefined
        ? { delivery, entries: [q] }
        : { delivery: collapse(w.delivery, delivery), entries: [...w.entries, q] };
    pump(delivery.key, st);
    return Promise.resolve();
  }

  /** Sends the object's waiting update when nothing of it is in flight or waiting out a retry. */
  function pump(key: string, st: ObjectState): void {
    if (stopped || st.inFlight !== undefined || st.retryTimer !== undefined) return;
    const batch = st.waiting;
    if (batch === undefined) {
      objects.delete(key);
      return;
    }
    if (sends.size >= CONCURRENCY) {
      ready.add(key);
      return;
    }
    ready.delete(key);
    st.waiting = undefined;
    st.inFlight = batch;
    const run = attempt(batch).then((outcome) => {
      st.inFlight = undefined;
      sends.delete(run);
      settle(d, recipient, counters, key, st, batch, outcome, {
        retry: () => pump(key, st),
        dropHeld,
      });
      pump(key, st);
      for (const next of ready) {
        if (sends.size >= CONCURRENCY) break;
        const other = objects.get(next);
        if (other === undefined) ready.delete(next);
        else pump(next, other);
      }
    });
    sends.add(run);
  }

  async function attempt(batch: Batch): Promise<Outcome> {
    const platform = d.registry.get(recipient);
    if (platform === undefined || platform.status !== "CONNECTED") {
      return { kind: "failed", reason: "not connected" };
    }
    try {
      return await send(d, batch.delivery, platform);
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
      // What is held goes back to the queue at once, so the next owner need not wait for it.
      for (const st of objects.values()) {
        if (st.retryTimer !== undefined) clearTimeout(st.retryTimer);
        for (const q of st.waiting?.entries ?? []) q.retry(0);
      }
      objects.clear();
    },
  };
}

/** Whether the object holds this queue entry (the same source and sequence), waiting or in flight. */
function holds(st: ObjectState, q: QueuedDelivery): boolean {
  const same = (e: QueuedDelivery) => e.seq === q.seq && e.source === q.source;
  return (st.waiting?.entries.some(same) ?? false) || (st.inFlight?.entries.some(same) ?? false);
}

/** One attempt: the push to the recipient's Receiver endpoint of the delivery's module. */
async function send(d: WorkerDeps, delivery: Delivery, platform: Platform): Promise<Outcome> {
  const endpoint = endpointOf(platform, delivery.module, "RECEIVER");
  if (endpoint === undefined || platform.outboundToken === null) {
    return { kind: "gone", reason: `no ${delivery.module} Receiver any more` };
  }
  if (!allowed(d, delivery, platform)) {
    return { kind: "withheld", reason: "no roaming agreement covers it any more" };
  }
  let { method, path, query, body } = delivery;
  if (delivery.current !== undefined && isCachedModule(delivery.module)) {
    ({ path, query } = currentTarget(delivery.current));
    // The recipient is asked for: a location unpublished meanwhile reaches only whom it may.
    const { owner, id, type } = delivery.current;
    const doc = await d.cached.currentDoc(delivery.module, owner, id, {
      type,
      recipient: platform.id,
    });
    if (doc === undefined) {
      // Gone from the cache meanwhile (a tariff is deleted; OCPI never deletes a location or
      // token), or a location no longer published to this recipient.
      const cache = cacheOf(delivery.module);
      if (cache === undefined || !cache.writes.includes("DELETE")) {
        return {
          kind: "gone",
          reason: `${cache?.noun ?? delivery.module} gone or no longer published to it`,
        };
      }
      method = "DELETE";
      body = undefined;
    } else {
      method = "PUT";
      body = doc;
    }
  }
  const base = endpoint.replace(/\/+$/, "");
  const url = `${base}${path}${query === "" ? "" : `?${query}`}`;
  // A push to a party names it and the hub; ClientInfo goes to the platform (no routing pair).
  const headers = delivery.to === undefined ? {} : routingHeaders(delivery.to, hubParty(d.config));
  try {
    const res = await d.client.send({
      method,
      url,
      token: platform.outboundToken,
      encoding: platform.outboundTokenEncoding,
      rawBody: body,
      correlationId: delivery.correlationId,
      pool: platform.id,
      headers,
      trace: legOf(delivery, platform),
    });
    const code = res.body.status_code;
    if (res.status === 401) return { kind: "failed", reason: "refused the hub's credentials" };
    if (res.status >= 500 || code >= 3000) {
      return { kind: "failed", reason: `answered HTTP ${res.status}, status_code ${code}` };
    }
    if (code >= 1000 && code < 2000 && res.status < 300) return { kind: "delivered" };
    return { kind: "rejected", reason: `answered HTTP ${res.status}, status_code ${code}` };
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    // The URL policy or the answer's size would refuse every retry alike.
    if (err.failure === "url-refused" || err.failure === "too-large") {
      return { kind: "rejected", reason: err.message };
    }
    return { kind: "failed", reason: err.message };
  }
}

/** The leg this attempt is of the message that caused the delivery (none for catch-up). */
function legOf(delivery: Delivery, platform: Platform) {
  if (delivery.messageId === undefined) return null;
  return {
    message: delivery.messageId,
    platformId: platform.id,
    module: delivery.module,
    ...delivery.to,
  };
}

/**
 * Whether the recipient party may still see the pushed object: the policy
 * is asked again at sending time, so a suspended or ended agreement stops
 * deliveries queued before it changed. The owner is the client-owned
 * object's codes, the first two segments of the path. Under
 * ROAMING_POLICY=open nobody is restricted, and nothing is looked at.
 */
function allowed(d: WorkerDeps, delivery: Delivery, platform: Platform): boolean {
  const to = delivery.to;
  if (to === undefined || d.config.roamingPolicy === "open") return true;
  const owner = delivery.current?.owner ?? pathObject(delivery.path)?.owner;
  if (owner === undefined) return true;
  return platform.roles.some((r) => {
    if (!sameParty(r, to)) return false;
    const partners = d.registry.partnersOf(r, delivery.module);
    return partners === undefined || partners.some((p) => sameParty(p, owner));
  });
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
  then: { retry: () => void; dropHeld: () => void },
): void {
  const now = d.clock.now();
  const { delivery, entries } = batch;
  const each = (f: (q: QueuedDelivery) => void) => {
    for (const q of entries) f(q);
  };
  c.dirty = true;
  d.metrics.observeDelivery(delivery.module, outcome.kind);
  if (outcome.kind !== "failed") {
    st.failures = 0;
    c.retrying.delete(key);
  }
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
      // Entries handed over from an instance that stopped bring their attempts with them.
      const attempts = Math.max(st.failures, ...entries.map((q) => q.attempts));
      st.failures = attempts + 1;
      const w = st.waiting;
      st.waiting =
        w === undefined
          ? batch
          : { delivery: collapse(delivery, w.delivery), entries: [...entries, ...w.entries] };
      const backoff = Math.min(RETRY_FIRST_MS * 2 ** attempts, RETRY_MAX_MS);
      st.retryTimer = setTimeout(
        () => {
          st.retryTimer = undefined;
          then.retry();
        },
        Math.min(backoff, left),
      );
      st.retryTimer.unref();
      d.logger.debug(
        { platform_id: recipient, attempts: attempts + 1, reason: outcome.reason },
        "delivery failed; retrying",
      );
    }
  }
}
