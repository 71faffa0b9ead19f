import { OutboundError } from "../egress/ocpi-client.js";
import { cacheOf } from "../modules/index.js";
import { routingHeaders } from "../ocpi/headers.js";
import { hubParty, sameParty } from "../ocpi/parties.js";
import { endpointOf, type Platform } from "../registry/registry.js";
import type { CachedObjects } from "./catch-up.js";
import {
  currentTarget,
  type Delivery,
  isCachedModule,
  pathObject,
  type QueuedDelivery,
} from "./queue.js";
import type { DeliveryDeps } from "./service.js";
import type { Counters } from "./stats.js";

/** Deliveries in flight per recipient; different objects go in parallel. */
const CONCURRENCY = 16;
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
}

/** This instance delivering to one recipient: its consumer and its counters. */
export interface RecipientWorker {
  readonly counters: Counters;
  /** When the recipient was last probed while OFFLINE (epoch ms). */
  lastProbe: number;
  /** Stops the consumer and waits for the deliveries being handled. */
  stop(): Promise<void>;
}

/**
 * Consumes the recipient's queue: different objects in parallel, the
 * updates of one object one after the other and never an older one after
 * a newer one (architecture.md: Delivery).
 */
export function startWorker(d: WorkerDeps, recipient: string, counters: Counters): RecipientWorker {
  /** Per object: the newest sequence handed out and the tail of its chain of sends. */
  const objects = new Map<string, { seq: number; tail: Promise<void> }>();

  async function handle(q: QueuedDelivery): Promise<void> {
    const { delivery } = q;
    const c = counters;
    const platform = d.registry.get(recipient);
    if (platform === undefined || platform.status !== "CONNECTED") {
      // Nothing goes to a platform that is not connected; it catches up on its return.
      d.metrics.observeDelivery(delivery.module, "dropped");
      q.drop();
      c.dropped++;
      c.dirty = true;
      return;
    }
    const known = objects.get(delivery.key);
    if (known !== undefined && q.seq < known.seq) {
      // A newer update of this object was handed out already: this one is stale.
      q.drop();
      return;
    }
    const previous = known?.tail;
    let release!: () => void;
    const tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entry = { seq: q.seq, tail };
    objects.set(delivery.key, entry);
    try {
      // An update still in flight for this object lands first.
      await previous;
      const newest = objects.get(delivery.key);
      if (newest !== undefined && newest.seq > q.seq) {
        // Superseded while waiting; the newer one carries this one's content.
        q.ack();
        c.retrying.delete(delivery.key);
        return;
      }
      const outcome = await send(d, delivery, platform);
      settle(d, recipient, counters, q, outcome);
    } finally {
      release();
      if (objects.get(delivery.key) === entry) objects.delete(delivery.key);
    }
  }

  const consumption = d.queue.consume(recipient, CONCURRENCY, handle);
  return {
    counters,
    lastProbe: d.clock.now().getTime(),
    stop: () => consumption.stop(),
  };
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
 * Settles a delivery by its outcome: a failure is retried with backoff
 * inside the delivery window, counted from the recipient's first failure.
 */
function settle(
  d: WorkerDeps,
  recipient: string,
  c: Counters,
  q: QueuedDelivery,
  outcome: Outcome,
): void {
  const now = d.clock.now();
  const { delivery } = q;
  c.dirty = true;
  d.metrics.observeDelivery(delivery.module, outcome.kind);
  switch (outcome.kind) {
    case "delivered":
      q.ack();
      c.delivered++;
      c.lastSuccessAt = now;
      c.failingSince = undefined;
      c.retrying.delete(delivery.key);
      return;
    case "rejected":
    case "gone":
      // Retrying cannot change the answer; broadcast failures concern the hub only.
      q.ack();
      c.retrying.delete(delivery.key);
      c.lastError = `${delivery.method} ${delivery.module} ${delivery.path}: ${outcome.reason}`;
      c.lastErrorAt = now;
      d.logger.warn(
        { platform_id: recipient, module: delivery.module, path: delivery.path },
        `delivery not accepted: ${outcome.reason}`,
      );
      return;
    case "withheld":
      q.drop();
      c.dropped++;
      c.retrying.delete(delivery.key);
      d.logger.info(
        { platform_id: recipient, module: delivery.module, path: delivery.path },
        `delivery withheld: ${outcome.reason}`,
      );
      return;
    case "failed": {
      if (c.goingOffline || d.registry.get(recipient)?.status !== "CONNECTED") {
        // Its queue is being dropped: this attempt goes with it, and opens no new window.
        // Dropped before the purge, the purge does not count it.
        if (c.goingOffline && !c.purged) c.dropped++;
        q.drop();
        c.retrying.delete(delivery.key);
        return;
      }
      c.lastError = `${delivery.method} ${delivery.module} ${delivery.path}: ${outcome.reason}`;
      c.lastErrorAt = now;
      c.failingSince ??= now;
      const left = c.failingSince.getTime() + d.config.deliveryWindowMs - now.getTime();
      if (left <= 0) {
        q.drop();
        c.dropped++;
        c.retrying.delete(delivery.key);
        d.windowPassed(recipient, c);
        return;
      }
      c.retrying.add(delivery.key);
      const backoff = Math.min(RETRY_FIRST_MS * 2 ** q.attempts, RETRY_MAX_MS);
      q.retry(Math.min(backoff, left));
      d.logger.debug(
        { platform_id: recipient, attempts: q.attempts + 1, reason: outcome.reason },
        "delivery failed; retrying",
      );
    }
  }
}
