// What the pieces of the cache store share: keys, the EVSE status overlay, driver results.
import { sql } from "drizzle-orm";
import { cachedTokens, evseStatuses, locations, tariffs } from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import { type Json, overlay, type StatusOverlay } from "./apply.js";

export type CachedModule = "locations" | "tariffs" | "tokens";

export const timestampOf = (value: unknown) => new Date(String(value));

/** `[{evseUid, status, lastUpdated}]` as json text, aggregated per location. */
export const statusesOf = sql<
  string | null
>`(select json_agg(json_build_object('evseUid', s.evse_uid, 'status', s.status, 'lastUpdated', s.last_updated))::text from ${evseStatuses} s where s.location_seq = ${locations.seq})`;

export function withStatuses(data: string, statuses: string | null): string {
  if (statuses === null) return data;
  return JSON.stringify(overlay(JSON.parse(data) as Json, JSON.parse(statuses) as StatusOverlay[]));
}

/**
 * EVSEs this instance has seen in the cache (by sync, push or status
 * change), so a status change of one of them can be forwarded while it is
 * written instead of after. Only hits are kept; a miss asks the database.
 */
export type KnownEvses = Set<string>;

/** Beyond this many remembered EVSEs the memory starts over. */
const KNOWN_EVSES_MAX = 1_000_000;

export const evseKey = (owner: PartyRef, locationId: string, uid: string) =>
  `${owner.countryCode}*${owner.partyId}*${locationId}*${uid}`.toUpperCase();

/** Remembers the EVSEs of a location document. */
export function rememberEvses(
  known: KnownEvses,
  owner: PartyRef,
  locationId: string,
  doc: Json | undefined,
): void {
  if (known.size >= KNOWN_EVSES_MAX) known.clear();
  const evses = Array.isArray(doc?.evses) ? (doc.evses as Json[]) : [];
  for (const e of evses) {
    if (typeof e.uid === "string") known.add(evseKey(owner, locationId, e.uid));
  }
}

/** Rows a write touched, as either driver reports it. */
export function rowCount(result: unknown, fallback: number): number {
  const r = result as { count?: number; affectedRows?: number };
  return Number(r.count ?? r.affectedRows ?? fallback);
}

/**
 * Each cached module's table and what sets it apart: the key column's
 * name, the EVSE statuses laid over a location, and whether rows carry a
 * publication (locations: publish).
 */
export const CACHE_TABLES = {
  locations: {
    table: locations,
    idColumn: "location_id",
    statuses: statusesOf,
    published: true,
  },
  tariffs: {
    table: tariffs,
    idColumn: "tariff_id",
    statuses: sql<string | null>`null`,
    published: false,
  },
  tokens: {
    table: cachedTokens,
    idColumn: "uid",
    statuses: sql<string | null>`null`,
    published: false,
  },
} as const;
