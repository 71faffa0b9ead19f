import { broadcastOf, cacheOf } from "../modules/index.js";
import type { ObjectRef } from "../modules/module-spec.js";
import type { PartyRef } from "../ocpi/parties.js";

/** The modules whose pushes the hub delivers to recipients of its own choosing. */
export type DeliveryModule = "locations" | "tariffs" | "tokens" | "hubclientinfo";

/** The delivered modules whose objects the hub caches. */
export type CachedModule = "locations" | "tariffs" | "tokens";

/** Whether the module table has a cache for the module: catch-up and resync send its objects. */
export const isCachedModule = (m: string): m is CachedModule => cacheOf(m) !== undefined;

/**
 * Whether a piled-up update of the module's objects is sent as the hub's
 * current copy: locations and tariffs. A token PATCH may address a token
 * the cache does not hold (only tokens pushed in full are cached), so
 * piled-up token updates are merged instead, unless a current copy waits.
 */
export const sendsCurrentCopy = (m: string): boolean => {
  const cache = cacheOf(m);
  return cache !== undefined && cache.patchesUncached !== true;
};

/**
 * One push for one recipient platform: what is sent, to which object. It
 * travels on `ocpi.deliver.<recipient>.<module>.<key>`, so that only the
 * newest undelivered update of an object is kept per recipient.
 */
export interface Delivery {
  recipient: string;
  module: DeliveryModule;
  /** The object's subject token, see objectKey(). */
  key: string;
  method: "PUT" | "PATCH" | "DELETE";
  /** After the recipient's endpoint, percent-encoded, starting with '/'. */
  path: string;
  /** Without '?'; empty when none. */
  query: string;
  /** The JSON body as text. */
  body?: string;
  /** OCPI-to of the hop (the recipient's party); none for hubclientinfo. */
  to?: PartyRef;
  /**
   * Set when updates of a cached object piled up: the recipient gets the
   * hub's current copy as a PUT (a DELETE for a tariff gone meanwhile).
   */
  current?: ObjectRef;
  correlationId: string;
  /** The request id of the message that caused it (its legs are tied to it); the newest when collapsed. */
  messageId?: string;
  /** When the hub accepted the push (epoch ms). */
  acceptedAt: number;
}

/**
 * A broadcast push, written once for all its recipients (architecture:
 * Delivery). Each recipient's cursor reads every push and takes those
 * addressed to it (see Addressing); the delivery it makes of one is the
 * push with the recipient and its party added.
 */
export interface Push {
  module: Exclude<DeliveryModule, "hubclientinfo">;
  key: string;
  method: "PUT" | "PATCH" | "DELETE";
  path: string;
  query: string;
  body?: string;
  /** The platform that pushed (never a recipient of its own push) and the party it pushed as. */
  sender: { platformId: string; party: PartyRef & { role: string } };
  /** The only platforms that may receive it (a location published to some); all when absent. */
  only?: string[];
  correlationId: string;
  messageId?: string;
  acceptedAt: number;
}

/** The party a recipient platform receives a push as, or undefined when the push is not for it. */
export type Addressing = (push: Push) => PartyRef | undefined;

/** The delivery of a push to one recipient party. */
export function deliveryOf(push: Push, recipient: string, to: PartyRef): Delivery {
  const delivery: Delivery = {
    recipient,
    module: push.module,
    key: push.key,
    method: push.method,
    path: push.path,
    query: push.query,
    to,
    correlationId: push.correlationId,
    acceptedAt: push.acceptedAt,
  };
  if (push.body !== undefined) delivery.body = push.body;
  if (push.messageId !== undefined) delivery.messageId = push.messageId;
  return delivery;
}

/** A delivery handed to a worker; exactly one of ack, retry or drop settles it. */
export interface QueuedDelivery {
  delivery: Delivery;
  /**
   * Where it was queued: a broadcast push, or a delivery queued for the
   * recipient alone (catch-up, resync, ClientInfo). Sequences are per source.
   */
  source: "push" | "direct";
  /** Grows with every newer update of the same object and recipient (within its source). */
  seq: number;
  /** Attempts made before this one. */
  attempts: number;
  ack(): void;
  retry(delayMs: number): void;
  drop(): void;
}

export interface Backlog {
  /** Waiting to be handed out. */
  pending: number;
  /** Handed out and not yet settled. */
  inFlight: number;
  /**
   * When the oldest undelivered push of the recipient was accepted (epoch
   * ms), when asked for and one waits; for the metrics.
   */
  oldestAcceptedAt?: number;
}

export interface Consumption {
  /** Stops handing out deliveries and waits for those being handled. */
  stop(): Promise<void>;
}

/**
 * Per-recipient delivery: JetStream (a stream of pushes written once, a
 * stream of deliveries for one recipient, and a durable consumer per
 * recipient on each) or, without NATS, the same behaviour in memory.
 */
export interface DeliveryQueue {
  readonly durable: boolean;
  /** The largest message the transport carries (NATS max_payload); undefined when unbounded. */
  readonly maxMessageBytes?: number;
  /** Creates the recipient's consumer if it has none. */
  open(recipient: string): Promise<void>;
  /** Deletes the recipient's consumer and everything queued for it. */
  remove(recipient: string): Promise<void>;
  /** Queues a delivery for its recipient alone; one still waiting for the same object is replaced (see collapse()). */
  publish(delivery: Delivery): Promise<void>;
  /** Writes a broadcast push once; it resolves when the push is durable (or, in memory, queued). */
  broadcast(push: Push): Promise<void>;
  /** Drops everything queued for the recipient; returns how many. */
  purge(recipient: string): Promise<number>;
  /** What waits for the recipient; with `oldest`, also when the oldest push was accepted. */
  backlog(recipient: string, options?: { oldest?: boolean }): Promise<Backlog>;
  /**
   * Hands the recipient's deliveries to `handle`, at most `concurrency`
   * unsettled handlers at a time: its own, and the pushes `addressed` says
   * are for it (the others are passed by at once).
   */
  consume(
    recipient: string,
    concurrency: number,
    handle: (d: QueuedDelivery) => Promise<void>,
    addressed?: Addressing,
  ): Consumption;
  close(): Promise<void>;
}

const SAFE = /^[A-Z0-9_]+$/;

/** An id as one subject token: upper-case (CiString), base64url after '=' when it holds other characters. */
function token(id: string): string {
  const upper = id.toUpperCase();
  return SAFE.test(upper) ? upper : `=${Buffer.from(upper).toString("base64url")}`;
}

/**
 * The subject token of an object: owner codes (always two and three
 * characters, so the joins cannot be ambiguous), then for tokens the type,
 * then the id. A location's EVSEs and connectors share the location's key.
 */
export function objectKey(owner: PartyRef, id?: string, type?: string): string {
  const head = `${owner.countryCode}-${owner.partyId}`.toUpperCase();
  if (id === undefined) return head;
  return type === undefined ? `${head}-${token(id)}` : `${head}-${type.toUpperCase()}-${token(id)}`;
}

function parse(body: string | undefined): Record<string, unknown> {
  if (body === undefined) return {};
  const value = JSON.parse(body) as unknown;
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * What replaces an undelivered update when a newer one of the same object
 * arrives: for a location or tariff the current copy; a PUT replaces
 * anything; a PATCH of a token whose current copy waits leaves the current
 * copy (the cache took the PATCH before it was queued); a PATCH is laid
 * over the waiting PUT or PATCH, so no field is lost. A null member of the
 * PATCH does not remove a value the waiting update carries: a PATCH cannot
 * remove information (transport_and_format: PATCH).
 */
export function collapse(waiting: Delivery | undefined, next: Delivery): Delivery {
  if (waiting === undefined) return next;
  if (next.current !== undefined) return next;
  if (sendsCurrentCopy(next.module)) {
    const current = currentOf(next);
    if (current !== undefined) return { ...next, method: "PUT", body: undefined, current };
    return next;
  }
  if (next.method !== "PATCH" || waiting.method === "DELETE") return next;
  if (waiting.current !== undefined)
    return { ...waiting, correlationId: next.correlationId, messageId: next.messageId };
  const merged = parse(waiting.body);
  for (const [field, value] of Object.entries(parse(next.body))) {
    if (value !== null || merged[field] === undefined) merged[field] = value;
  }
  return { ...next, method: waiting.method, path: waiting.path, body: JSON.stringify(merged) };
}

/**
 * The object a cached module's delivery addresses, from its path
 * `/{cc}/{pid}/{id}[/…]` and query, as the module's broadcast names it
 * (a token's type comes from `?type=`).
 */
function currentOf(d: Delivery): Delivery["current"] {
  const addressed = pathObject(d.path);
  const cache = cacheOf(d.module);
  const broadcast = broadcastOf(d.module);
  if (addressed?.id === undefined || cache === undefined || broadcast === undefined) {
    return undefined;
  }
  const { owner, id } = addressed;
  const params = { country_code: owner.countryCode, party_id: owner.partyId, [cache.idParam]: id };
  const { type } = broadcast.object(params, d.query);
  return type === undefined ? { owner, id } : { owner, id, type };
}

/**
 * The owner's codes and the object's id in a delivery's path
 * `/{cc}/{pid}[/{id}[/…]]`, percent-decoded; undefined without the codes.
 */
export function pathObject(path: string): { owner: PartyRef; id: string | undefined } | undefined {
  const [cc, pid, id] = path.split("/").slice(1, 4).map(decodeURIComponent);
  if (cc === undefined || pid === undefined) return undefined;
  return { owner: { countryCode: cc, partyId: pid }, id };
}

/** The path and query of a current copy's PUT: `/{cc}/{pid}/{id}`, for a token `type=…`. */
export function currentTarget(current: NonNullable<Delivery["current"]>): {
  path: string;
  query: string;
} {
  const { owner, id, type } = current;
  const path = `/${[owner.countryCode, owner.partyId, id].map(encodeURIComponent).join("/")}`;
  return { path, query: type === undefined ? "" : new URLSearchParams({ type }).toString() };
}
