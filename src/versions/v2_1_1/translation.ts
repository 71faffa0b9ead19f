import type { PartyRef } from "../../ocpi/parties.js";

/**
 * Translation between OCPI 2.1.1 and 2.2.1 objects. The hub holds and
 * routes 2.2.1 (its canonical form) and translates at the edge: a 2.1.1
 * sender's body on the way in, a 2.1.1 receiver's body on the way out.
 * Every field is mapped as docs/ocpi-2.1.1/ lists; what the other version
 * cannot carry is a Loss, reported with the result, never dropped silently.
 * A field the target requires that cannot be derived is refused with
 * invalidParameters() (OCPI 2001) naming the field: the hub never invents data.
 */

/** A field of the source that the target version cannot carry, or carries less precisely. */
export interface Loss {
  /** The source field's path, e.g. "evses[0].capabilities[2]" or "tariff_alt_url". */
  field: string;
  /** Why, in a few words, e.g. "no 2.1.1 equivalent" or "value CHADEMO_DC not in 2.1.1". */
  reason: string;
}

/** A translated object and what it lost on the way. */
export interface Translated<T> {
  value: T;
  losses: Loss[];
}

/** The token the hub knows for a 2.1.1 auth_id or uid (from its token index). */
export interface KnownToken {
  /** The eMSP that owns the token. */
  owner: PartyRef;
  uid: string;
  type: string;
  contract_id: string;
}

/**
 * What a translation may need beyond the object itself; the hub passes it in.
 * Each translation uses only what its mapping table names.
 */
export interface TranslationContext {
  /** The 2.1.1 platform's party (the sender of a 2.1.1 body, the receiver of a 2.2.1 one). */
  party: PartyRef;
  /** Looks a token up by its uid or auth_id (2.1.1 sessions and CDRs name only auth_id). */
  findToken?: (idOrAuthId: string) => Promise<KnownToken | undefined>;
  /** The hub's current 2.2.1 copy of a location, when a 2.1.1 object names only its id. */
  findLocation?: (owner: PartyRef, id: string) => Promise<Record<string, unknown> | undefined>;
}
