import { cacheOf } from "../modules/index.js";
import type { PartyRef } from "../ocpi/parties.js";

/** The modules whose pushes the hub delivers to recipients of its own choosing. */
export type DeliveryModule = "locations" | "tariffs" | "tokens" | "hubclientinfo";

/** The delivered modules whose objects the hub caches. */
export type CachedModule = "locations" | "tariffs";

/**
 * Whether the module table has a cache for the module: a piled-up update
 * of its objects is sent as the hub's current copy.
 */
export const isCachedModule = (m: string): m is CachedModule => cacheOf(m) !== undefined;

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
  current?: { owner: PartyRef; id: string };
  correlationId: string;
  /** When the hub accepted the push (epoch ms). */
  acceptedAt: number;
}

/** A delivery handed to a worker; exactly one of ack, retry or drop settles it. */
export interface QueuedDelivery {
  delivery: Delivery;
  /** Grows with every newer update of the same object and recipient. */
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
}

export interface Consumption {
  /** Stops handing out deliveries and waits for those being handled. */
  stop(): Promise<void>;
}

/**
 * Per-recipient delivery queues: JetStream (one stream, a durable consumer
 * per recipient) or, without NATS, the same behaviour in memory.
 */
export interface DeliveryQueue {
  readonly durable: boolean;
  /** The largest message the transport carries (NATS max_payload); undefined when unbounded. */
  readonly maxMessageBytes?: number;
  /** Creates the recipient's consumer if it has none. */
  open(recipient: string): Promise<void>;
  /** Deletes the recipient's consumer and everything queued for it. */
  remove(recipient: string): Promise<void>;
  /** Queues a delivery; one still waiting for the same object is replaced (see collapse()). */
  publish(delivery: Delivery): Promise<void>;
  /** Drops everything queued for the recipient; returns how many. */
  purge(recipient: string): Promise<number>;
  backlog(recipient: string): Promise<Backlog>;
  /** Hands the recipient's deliveries to `handle`, at most `concurrency` at a time. */
  consume(
    recipient: string,
    concurrency: number,
    handle: (d: QueuedDelivery) => Promise<void>,
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
 * arrives: for a cached object the current copy; a PUT replaces anything;
 * a PATCH is laid over the waiting PUT or PATCH, so no field is lost.
 */
export function collapse(waiting: Delivery | undefined, next: Delivery): Delivery {
  if (waiting === undefined) return next;
  if (next.current !== undefined) return next;
  if (isCachedModule(next.module)) {
    const current = currentOf(next);
    if (current !== undefined) return { ...next, method: "PUT", body: undefined, current };
    return next;
  }
  if (next.method !== "PATCH" || waiting.method === "DELETE") return next;
  const body = JSON.stringify({ ...parse(waiting.body), ...parse(next.body) });
  return { ...next, method: waiting.method, path: waiting.path, body };
}

/** The object a cached module's delivery addresses, from its path `/{cc}/{pid}/{id}[/…]`. */
function currentOf(d: Delivery): Delivery["current"] {
  const [cc, pid, id] = d.path.split("/").slice(1, 4).map(decodeURIComponent);
  if (cc === undefined || pid === undefined || id === undefined) return undefined;
  return { owner: { countryCode: cc, partyId: pid }, id };
}
