import type { PartyRef } from "../../ocpi/parties.js";
import { hiddenPlatformIds } from "../../registry/visibility.js";
import type { CallerScope } from "../../routing/scope.js";
import type { KnownToken, TranslationContext } from "../../versions/v2_1_1/translation.js";

/**
 * The translation context of a 2.1.1 platform's request: its one party,
 * and what the hub knows that a 2.1.1 object only names. A Session or CDR
 * names its token by auth_id alone: the hub's cached copy of the token an
 * eMSP pushed gives the owner, uid, type and contract_id its 2.2.1 CdrToken
 * needs (the token index of open routing holds no contract_id). A Session
 * or CDR read back names its location by id: the hub's cached copy gives
 * the 2.1.1 location object.
 */
export function translationContext(scope: CallerScope, party: PartyRef): TranslationContext {
  const { cache, registry } = scope.deps;
  return {
    party,
    async findToken(reference: string): Promise<KnownToken | undefined> {
      const found = await cache.tokenByReference(reference, hiddenPlatformIds(registry.list()));
      if (found === undefined) return undefined;
      return {
        owner: found.owner,
        uid: String(found.doc.uid),
        type: found.type,
        contract_id: String(found.doc.contract_id),
      };
    },
    async findLocation(owner: PartyRef, id: string) {
      const [found] = await cache.locationsWithId(id, { owner, hidden: [], published: false });
      return found?.doc;
    },
  };
}
