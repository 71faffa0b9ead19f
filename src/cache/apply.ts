/**
 * How a push changes a cached location (locations: PUT and PATCH Method):
 * pure functions over the OCPI objects as JSON, shared by the cache store
 * and its tests.
 */

export type Json = Record<string, unknown>;

/** Where in a location a push lands: the URL's optional EVSE uid and connector id. */
export interface Target {
  evseUid?: string;
  connectorId?: string;
}

export type Outcome =
  | { kind: "applied"; doc: Json }
  /** The push is older than what the cache holds; nothing changes. */
  | { kind: "stale" }
  /** The object, or the parent a PUT goes into, is not in the cache. */
  | { kind: "unknown"; what: string };

/** An EVSE status change as it is kept beside the document (evse_statuses). */
export interface StatusOverlay {
  evseUid: string;
  status: string;
  lastUpdated: string;
}

const same = (a: unknown, b: string) =>
  typeof a === "string" && a.toUpperCase() === b.toUpperCase();

/** Milliseconds of an OCPI DateTime; NaN when absent or unreadable. */
export function instant(value: unknown): number {
  return typeof value === "string" ? Date.parse(value) : Number.NaN;
}

/** The later of two DateTime strings, as sent (never a re-formatted one). */
export function later(a: unknown, b: unknown): unknown {
  return instant(b) > instant(a) || Number.isNaN(instant(a)) ? b : a;
}

/** True when `incoming` is older than `current`: the cache keeps the newer state. */
export function isOlder(incoming: unknown, current: unknown): boolean {
  return instant(incoming) < instant(current);
}

const evsesOf = (doc: Json): Json[] => (Array.isArray(doc.evses) ? (doc.evses as Json[]) : []);
const connectorsOf = (evse: Json): Json[] =>
  Array.isArray(evse.connectors) ? (evse.connectors as Json[]) : [];

/** A location's EVSE by uid (CiString). */
export function findEvse(doc: Json, uid: string): Json | undefined {
  return evsesOf(doc).find((e) => same(e.uid, uid));
}

/** An EVSE's connector by id (CiString). */
export function findConnector(evse: Json, id: string): Json | undefined {
  return connectorsOf(evse).find((c) => same(c.id, id));
}

/** The object a URL addresses: the location, one of its EVSEs, or one of their connectors. */
export function pick(doc: Json, target: Target): Json | undefined {
  if (target.evseUid === undefined) return doc;
  const evse = findEvse(doc, target.evseUid);
  if (evse === undefined || target.connectorId === undefined) return evse;
  return findConnector(evse, target.connectorId);
}

/** Replaces the element matching `match`, or appends `value`; returns a new array. */
function upsert(list: Json[], match: (item: Json) => boolean, value: Json): Json[] {
  const i = list.findIndex(match);
  if (i === -1) return [...list, value];
  const copy = list.slice();
  copy[i] = value;
  return copy;
}

/**
 * Applies a PUT (`body` is the whole object) or a PATCH (`body` holds the
 * changed fields) at the level the target names. A child's last_updated is
 * carried up to its parents, never backwards (locations: PUT/PATCH Method).
 *
 * A push older than the object it addresses is stale: two pushes that
 * crossed, or a sync page read before a push. The one exception is a PATCH
 * of the location itself: the location's last_updated moves with every
 * change below it (EVSE statuses above all), so it cannot tell whether the
 * location's own fields are outdated; such a PATCH applies, and the
 * location's last_updated never moves backwards.
 * `current` is the cached location with its status overlays already laid
 * over it.
 */
export function applyLocationPush(
  current: Json | undefined,
  method: "PUT" | "PATCH",
  target: Target,
  body: Json,
  names: { location: string },
): Outcome {
  const stamp = body.last_updated;
  if (target.evseUid === undefined) {
    if (method === "PUT") {
      if (current !== undefined && isOlder(stamp, current.last_updated)) return { kind: "stale" };
      return { kind: "applied", doc: body };
    }
    if (current === undefined) return { kind: "unknown", what: `location ${names.location}` };
    return {
      kind: "applied",
      doc: { ...current, ...body, last_updated: later(current.last_updated, stamp) },
    };
  }

  if (current === undefined) return { kind: "unknown", what: `location ${names.location}` };
  const evseName = `EVSE ${target.evseUid} of location ${names.location}`;
  const evse = findEvse(current, target.evseUid);
  let next: Json;
  if (target.connectorId === undefined) {
    if (method === "PATCH" && evse === undefined) return { kind: "unknown", what: evseName };
    if (evse !== undefined && isOlder(stamp, evse.last_updated)) return { kind: "stale" };
    next = method === "PUT" ? body : { ...(evse as Json), ...body };
  } else {
    if (evse === undefined) return { kind: "unknown", what: evseName };
    const connector = findConnector(evse, target.connectorId);
    const connectorName = `connector ${target.connectorId} of ${evseName}`;
    if (method === "PATCH" && connector === undefined)
      return { kind: "unknown", what: connectorName };
    if (connector !== undefined && isOlder(stamp, connector.last_updated)) return { kind: "stale" };
    const written = method === "PUT" ? body : { ...(connector as Json), ...body };
    const connectorId = target.connectorId;
    next = {
      ...evse,
      connectors: upsert(connectorsOf(evse), (c) => same(c.id, connectorId), written),
      last_updated: later(evse.last_updated, stamp),
    };
  }
  const evseUid = target.evseUid;
  return {
    kind: "applied",
    doc: {
      ...current,
      evses: upsert(evsesOf(current), (e) => same(e.uid, evseUid), next),
      last_updated: later(current.last_updated, stamp),
    },
  };
}

/**
 * True for a PATCH of an EVSE that changes only its status: the update the
 * cache keeps beside the document instead of rewriting it.
 */
export function isStatusOnly(method: string, target: Target, body: Json): boolean {
  if (method !== "PATCH" || target.evseUid === undefined || target.connectorId !== undefined)
    return false;
  return (
    typeof body.status === "string" &&
    Object.keys(body).every((k) => k === "status" || k === "last_updated")
  );
}

/** The location as the cache shows it: its document with the newer EVSE statuses laid over it. */
export function overlay(doc: Json, statuses: readonly StatusOverlay[]): Json {
  if (statuses.length === 0) return doc;
  let lastUpdated = doc.last_updated;
  const evses = evsesOf(doc).map((evse) => {
    const s = statuses.find((o) => same(evse.uid, o.evseUid));
    if (s === undefined || isOlder(s.lastUpdated, evse.last_updated)) return evse;
    lastUpdated = later(lastUpdated, s.lastUpdated);
    return { ...evse, status: s.status, last_updated: s.lastUpdated };
  });
  return { ...doc, evses, last_updated: lastUpdated };
}
