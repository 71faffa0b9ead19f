/**
 * How a push changes a cached location (locations: PUT and PATCH Method):
 * pure functions over the OCPI objects as JSON, shared by the cache store
 * and its tests.
 */

import type { PartyRef } from "../ocpi/parties.js";

export type Json = Record<string, unknown>;

/** The location a push addresses: its owner's codes and its id, as the URL names them. */
export interface LocationRef {
  owner: PartyRef;
  id: string;
}

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

/**
 * The fields that name a location, an EVSE and a connector: they "can
 * never be changed, modified or renamed" (locations: Location and EVSE
 * objects), and the cache finds each object by them.
 */
const LOCATION_KEY = ["country_code", "party_id", "id"] as const;
const EVSE_KEY = ["uid"] as const;
const CONNECTOR_KEY = ["id"] as const;

/**
 * A PATCH laid over the object it addresses (transport_and_format: PATCH):
 * the fields it leaves out keep their values, and so do the fields that
 * name the object (the hub refuses a PATCH that changes them; should one
 * get here, the object still does not move) and those it sets to null: a
 * PATCH "is not suitable to remove information shared earlier"
 * (locations: PATCH Method). The PATCH itself reaches the receivers as
 * sent; only the hub's copy reads null as "unchanged".
 */
export function mergePatch(current: Json, patch: Json, key: readonly string[]): Json {
  const merged: Json = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null || key.includes(field)) continue;
    merged[field] = value;
  }
  return merged;
}

/**
 * An object as a PUT writes it: the whole body, named as its URL names it.
 * The hub has checked that the body's names are the URL's (as CiStrings)
 * and keeps the body's spelling; a name that differs all the same is
 * replaced by the URL's, so that no write moves an object to another key.
 */
export function namedAs(doc: Json, names: Readonly<Record<string, string>>): Json {
  let named = doc;
  for (const [field, value] of Object.entries(names)) {
    if (!same(doc[field], value)) named = { ...named, [field]: value };
  }
  return named;
}

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
 * over it, found by `location`, the codes and id of the URL. A PATCH is
 * merged by mergePatch; a PUT writes its body, named as the URL names it.
 */
export function applyLocationPush(
  current: Json | undefined,
  method: "PUT" | "PATCH",
  target: Target,
  body: Json,
  location: LocationRef,
): Outcome {
  const stamp = body.last_updated;
  const locationName = `location ${location.owner.countryCode}/${location.owner.partyId}/${location.id}`;
  if (target.evseUid === undefined) {
    if (method === "PUT") {
      if (current !== undefined && isOlder(stamp, current.last_updated)) return { kind: "stale" };
      const names = {
        country_code: location.owner.countryCode,
        party_id: location.owner.partyId,
        id: location.id,
      };
      return { kind: "applied", doc: namedAs(body, names) };
    }
    if (current === undefined) return { kind: "unknown", what: locationName };
    return {
      kind: "applied",
      doc: {
        ...mergePatch(current, body, LOCATION_KEY),
        last_updated: later(current.last_updated, stamp),
      },
    };
  }

  if (current === undefined) return { kind: "unknown", what: locationName };
  const evseName = `EVSE ${target.evseUid} of ${locationName}`;
  const evse = findEvse(current, target.evseUid);
  let next: Json;
  if (target.connectorId === undefined) {
    if (method === "PATCH" && evse === undefined) return { kind: "unknown", what: evseName };
    if (evse !== undefined && isOlder(stamp, evse.last_updated)) return { kind: "stale" };
    next =
      method === "PUT"
        ? namedAs(body, { uid: target.evseUid })
        : mergePatch(evse as Json, body, EVSE_KEY);
  } else {
    if (evse === undefined) return { kind: "unknown", what: evseName };
    const connector = findConnector(evse, target.connectorId);
    const connectorName = `connector ${target.connectorId} of ${evseName}`;
    if (method === "PATCH" && connector === undefined)
      return { kind: "unknown", what: connectorName };
    if (connector !== undefined && isOlder(stamp, connector.last_updated)) return { kind: "stale" };
    const written =
      method === "PUT"
        ? namedAs(body, { id: target.connectorId })
        : mergePatch(connector as Json, body, CONNECTOR_KEY);
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
