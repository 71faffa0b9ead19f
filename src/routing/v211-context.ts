import type { Deps } from "../deps.js";
import type { PartyRef } from "../ocpi/parties.js";
import type { KnownToken, TranslationContext } from "../versions/v2_1_1/translation.js";

/**
 * The TranslationContext of one translation at the hub's edge: `party` is
 * the 2.1.1 side's party (the receiver of a 2.2.1 body, the CPO or eMSP
 * that owns what a 2.1.1 answer carries); tokens come from the hub's token
 * cache, locations from its location cache. A location is looked up
 * whether or not it is published: a Session or CDR goes only to the eMSP
 * whose driver charged there (cdr-location.ts: location211For).
 */
export function translationContext(
  deps: Pick<Deps, "cache" | "routing">,
  party: PartyRef,
): TranslationContext {
  return {
    party,
    findToken: (idOrAuthId) => findToken(deps, idOrAuthId),
    findLocation: async (owner, id) => {
      const found = await deps.cache.locationsWithId(id, { owner, hidden: [], published: false });
      return found[0]?.doc;
    },
  };
}

/**
 * A token by contract_id (2.1.1's auth_id), else by uid, the earliest
 * cached first: 2.1.1 names a Session's or CDR's token by auth_id alone,
 * which some eMSPs make their uid too.
 */
async function findToken(
  deps: Pick<Deps, "cache" | "routing">,
  idOrAuthId: string,
): Promise<KnownToken | undefined> {
  const [byContract] = await deps.routing.tokensWithContractId(idOrAuthId);
  const found = byContract ?? (await deps.cache.tokensWithId(idOrAuthId, { hidden: [] }))[0];
  if (found === undefined) return undefined;
  return {
    owner: found.owner,
    uid: String(found.doc.uid),
    type: found.type,
    contract_id: String(found.doc.contract_id),
  };
}
