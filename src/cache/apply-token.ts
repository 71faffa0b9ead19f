/**
 * How a push changes a cached token (tokens: PUT and PATCH Method): pure
 * functions over the OCPI objects as JSON, shared by the cache store and
 * its tests.
 */
import { isOlder, type Json, later } from "./apply.js";

export type TokenOutcome =
  | { kind: "applied"; doc: Json }
  /** The push is older than what the cache holds; nothing changes. */
  | { kind: "stale" }
  /** A PATCH of a token the cache does not hold: forwarded, not cached. */
  | { kind: "unknown" };

/**
 * Applies a PUT (the whole token) or a PATCH (the changed fields) to the
 * cached token. A push older than the cached token is stale: the cache
 * keeps the newer state. A PATCH cannot remove information: its null
 * members are left out (tokens: PATCH Method, "Any request to the PATCH
 * method SHALL contain the last_updated field"; the rest updates the
 * fields it names). The key fields (country_code, party_id, uid, type)
 * stay those of the cached token, which the URL names.
 */
export function applyTokenPush(
  current: Json | undefined,
  method: "PUT" | "PATCH",
  body: Json,
): TokenOutcome {
  if (current !== undefined && isOlder(body.last_updated, current.last_updated))
    return { kind: "stale" };
  if (method === "PUT") return { kind: "applied", doc: body };
  if (current === undefined) return { kind: "unknown" };
  const changed = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
  return {
    kind: "applied",
    doc: {
      ...current,
      ...changed,
      country_code: current.country_code,
      party_id: current.party_id,
      uid: current.uid,
      type: current.type,
      last_updated: later(current.last_updated, body.last_updated),
    },
  };
}
