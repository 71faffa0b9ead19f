import { broadcastOf } from "../modules/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import { endpointOf, type Platform, type Registry } from "../registry/registry.js";
import type { Addressing, Push } from "./queue.js";

/** Who receives a module's broadcast: the recipients at the time of a push, and each cursor's choice. */
export function createAddressing(registry: Registry) {
  /**
   * The party a platform receives a module's broadcast as: one of a
   * recipient role of the module that may exchange it with the sender
   * (ROAMING_POLICY), when the platform is connected, is not the sender and
   * has the module's Receiver endpoint.
   */
  function recipientParty(
    p: Platform,
    module: string,
    sender: Push["sender"],
  ): PartyRef | undefined {
    if (p.id === sender.platformId || p.status !== "CONNECTED" || p.outboundToken === null) {
      return undefined;
    }
    if (endpointOf(p, module, "RECEIVER") === undefined) return undefined;
    const roles = broadcastOf(module)?.recipients ?? [];
    const party = p.roles.find(
      (r) => roles.some((role) => role === r.role) && registry.mayExchange(sender.party, r, module),
    );
    return party === undefined
      ? undefined
      : { countryCode: party.countryCode, partyId: party.partyId };
  }

  /** Which pushes a recipient's cursor takes: those it is a recipient of, as recipientsOf() says. */
  function addressed(recipient: string): Addressing {
    return (push) => {
      if (push.only !== undefined && !push.only.includes(recipient)) return undefined;
      const p = registry.get(recipient);
      return p === undefined ? undefined : recipientParty(p, push.module, push.sender);
    };
  }

  return { recipientParty, addressed };
}
