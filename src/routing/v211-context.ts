import type { Deps } from "../deps.js";
import type { PartyRef } from "../ocpi/parties.js";
import { hiddenPlatformIds } from "../registry/visibility.js";
import type { KnownToken, TranslationContext } from "../versions/v2_1_1/translation.js";

/**
 * The TranslationContext of one translation at the hub's edge, inbound
 * (a 2.1.1 platform's request) and outbound (a hop to a 2.1.1 platform)
 * alike: `party` is the 2.1.1 side's party (the sender of a 2.1.1 body, the
 * receiver of a 2.2.1 body, the CPO or eMSP that owns what an answer
 * carries). A 2.1.1 Session or CDR names its token by auth_id alone: the
 * hub's cached copy of the token an eMSP pushed gives the owner, uid, type
 * and contract_id its 2.2.1 CdrToken needs. A location is looked up whether
 * or not it is published: a Session or CDR goes only to the eMSP whose
 * driver charged there (cdr-location.ts: location211For).
 */
export function translationContext(
  deps: Pick<Deps, "cache" | "registry">,
  party: PartyRef,
): TranslationContext {
  return {
    party,
    findToken: (authId) => findToken(deps, authId),
    findLocation: async (owner, id) => {
      const [found] = await deps.cache.locationsWithId(id, { owner, hidden: [], published: false });
      return found?.doc;
    },
  };
}

/**
 * A token by contract_id (2.1.1's auth_id), else by uid, which some eMSPs
 * make their auth_id too; a suspended or unregistered eMSP's tokens are
 * skipped, as open routing skips them.
 */
async function findToken(
  deps: Pick<Deps, "cache" | "registry">,
  authId: string,
): Promise<KnownToken | undefined> {
  const found = await deps.cache.tokenByReference(authId, hiddenPlatformIds(deps.registry.list()));
  if (found === undefined) return undefined;
  return {
    owner: found.owner,
    uid: String(found.doc.uid),
    type: found.type,
    contract_id: String(found.doc.contract_id),
  };
}
