import { type BroadcastModuleSpec, type CachedModuleSpec, isCached } from "../modules/index.js";
import { type Params, type Role, urlOwner } from "../modules/module-spec.js";
import {
  clientError,
  hubError,
  invalidParameters,
  type OcpiError,
  receiverNotConnected,
  unknownReceiver,
} from "../ocpi/errors.js";
import { type PartyRef, partyName, sameParty } from "../ocpi/parties.js";
import { type ExchangeCheck, noAgreement } from "../registry/agreements.js";
import { endpointOf, type Hosted, type Party, type Platform } from "../registry/registry.js";
import { isConnected } from "../registry/visibility.js";
import type { Operation } from "./operations.js";

const COUNTRY = /^[A-Za-z]{2}$/;
const PARTY = /^[A-Za-z0-9]{3}$/;

/** The four routing headers as received (transport_and_format: Message Routing Headers). */
export interface RoutingHeaderValues {
  fromCountryCode: string | undefined;
  fromPartyId: string | undefined;
  toCountryCode: string | undefined;
  toPartyId: string | undefined;
}

/** Who a routed request is from and for. */
export interface Routing {
  /** A party of the calling platform. */
  from: Party;
  /** The addressed party, the hub itself, or nobody (open routing). */
  to: PartyRef | "hub" | undefined;
}

/** Who may send a request: the roles of the operation's senders, and how to name it. */
export interface SenderRule {
  senders: readonly Role[];
  /** The request in words, e.g. "push locations". */
  what: string;
}

/** The rule of an operation: its module's roles on the other interface (module-spec: roles). */
export function senderRule(op: Operation): SenderRule {
  const verb = op.method === "GET" ? "read" : op.iface === "RECEIVER" ? "push" : "send";
  return { senders: op.senders, what: `${verb} ${op.module.id} (${op.iface} ${op.method})` };
}

/**
 * Reads the four routing headers. OCPI-from must name a party of the
 * calling platform, so no platform can speak for another, and one with a
 * role that may send the request (the module's roles); OCPI-to comes as a
 * pair or not at all, and names the hub when it carries the hub's codes.
 */
export function readRouting(
  headers: RoutingHeaderValues,
  callerParties: readonly Party[],
  hub: PartyRef,
  rule?: SenderRule,
): Routing {
  const { fromCountryCode: fromCc, fromPartyId: fromPid } = headers;
  if (fromCc === undefined || fromPid === undefined) {
    throw invalidParameters(
      "OCPI-from-country-code and OCPI-from-party-id are required on routed modules",
    );
  }
  const pair = { countryCode: fromCc, partyId: fromPid };
  const held = callerParties.filter((r) => sameParty(r, pair));
  if (held.length === 0) {
    throw invalidParameters(
      `OCPI-from ${fromCc}/${fromPid} is not a party of the calling platform (${callerParties
        .map(partyName)
        .join(", ")})`,
    );
  }
  const from =
    rule === undefined
      ? held[0]
      : held.find((r) => (rule.senders as readonly string[]).includes(r.role));
  if (from === undefined) {
    const roles = held.map((r) => r.role).join(" and ");
    throw clientError(
      `${partyName(pair)} is ${/^[AEIOU]/.test(roles) ? "an" : "a"} ${roles}; only ${rule?.senders.join(" or ")} may ${rule?.what}`,
    );
  }
  const { toCountryCode: toCc, toPartyId: toPid } = headers;
  if (toCc === undefined && toPid === undefined) return { from, to: undefined };
  if (toCc === undefined || toPid === undefined) {
    throw invalidParameters(
      `${toCc === undefined ? "OCPI-to-country-code" : "OCPI-to-party-id"} is missing; OCPI-to-country-code and OCPI-to-party-id come together, or neither for open routing`,
    );
  }
  if (!COUNTRY.test(toCc)) {
    throw invalidParameters(`OCPI-to-country-code must be two letters, got "${toCc}"`);
  }
  if (!PARTY.test(toPid)) {
    throw invalidParameters(`OCPI-to-party-id must be three letters or digits, got "${toPid}"`);
  }
  const to = { countryCode: toCc, partyId: toPid };
  return { from, to: sameParty(to, hub) ? "hub" : to };
}

/**
 * Who a 2.1.1 platform's request on a URL the hub handed it (a command's
 * callback, a CDR's Location) is from: 2.1.1 has no routing headers, and a
 * 2.1.1 connection joins one party (2.1.1 credentials), so its one party.
 */
export function routingOf211(platform: Platform): Routing {
  const [party] = platform.roles;
  if (party === undefined) throw invalidParameters("the platform has no party");
  return { from: party, to: undefined };
}

/** The party a request goes to, with the endpoint it goes to. */
export interface Target {
  platform: Platform;
  party: Party;
  endpoint: string;
}

/**
 * What routing reads of the registry: the parties under a pair of codes,
 * and whether two parties may exchange a module (ROAMING_POLICY).
 */
export interface RegistryView {
  partiesAt(countryCode: string, partyId: string): readonly Hosted[];
  mayExchange: ExchangeCheck;
}

/**
 * What the hub does with a checked request:
 * - `callback`: a result on one of the hub's callback URLs, for the original sender;
 * - `cdr-link`: a GET of a CDR behind the Location the hub gave the CPO;
 * - `cache-list` / `cache-object`: answered from the hub's cache;
 * - `broadcast`: fanned out to every recipient platform (transport_and_format: Broadcast Push);
 * - `direct`: forwarded to the party OCPI-to names;
 * - `open`: forwarded to the party the content names (transport_and_format: Open Routing Request);
 * - `reject`: refused with an OCPI error.
 */
export type RoutingDecision =
  | { kind: "callback" }
  | { kind: "cdr-link" }
  | { kind: "cache-list"; module: CachedModuleSpec }
  | { kind: "cache-object"; module: CachedModuleSpec; owner: PartyRef | undefined }
  | { kind: "broadcast"; module: BroadcastModuleSpec }
  | { kind: "direct"; to: PartyRef; target: Target }
  | { kind: "open" }
  | { kind: "reject"; error: OcpiError };

/** The facts decide() reads: the matched operation, its URL parameters and the routing pair. */
export interface RequestFacts {
  op: Operation;
  params: Params;
  routing: Routing;
}

/** Routes a checked request; reads nothing but its arguments. */
export function decide(facts: RequestFacts, registry: RegistryView): RoutingDecision {
  const { op, routing } = facts;
  const { module } = op;
  if (op.local !== undefined) return { kind: op.local };
  const cached = cachedRead(facts);
  if (cached !== undefined) return cached;
  if (routing.to === "hub") return addressedToHub(facts);
  if (op.hubOnly) {
    return reject(
      hubError(
        `the ${module.id} ${op.iface} interface has no ${op.method} ${op.pattern}; only the hub answers it (OCPI-to = the hub)`,
      ),
    );
  }
  if (routing.to === undefined) return { kind: "open" };
  return directTo(registry, routing.from, routing.to, op);
}

/** A receiver named by OCPI-to, or found by content: its target, or why there is none. */
export function directTo(
  registry: RegistryView,
  from: Party,
  to: PartyRef,
  op: Operation,
): RoutingDecision {
  const target = findTarget(registry, from, to, op);
  return target instanceof Error ? reject(target) : { kind: "direct", to, target };
}

/**
 * Whether a party under `to` in a receiving role may exchange the module
 * with the sender: open routing leaves out candidates without a roaming
 * agreement before it chooses.
 */
export function mayReach(
  registry: RegistryView,
  from: Party,
  to: PartyRef,
  op: Operation,
): boolean {
  const receivers: readonly string[] = op.receivers;
  return registry
    .partiesAt(to.countryCode, to.partyId)
    .some(
      (h) => receivers.includes(h.party.role) && registry.mayExchange(from, h.party, op.module.id),
    );
}

/**
 * The hub answers a GET of a cached module itself when OCPI-to names the
 * hub (GET All via Hubs; one object by id), and a list or a hub-only path
 * without OCPI-to: a list GET cannot be open-routed (transport_and_format:
 * Open Routing Request).
 */
function cachedRead({ op, params, routing }: RequestFacts): RoutingDecision | undefined {
  const { module } = op;
  if (op.method !== "GET" || !isCached(module)) return undefined;
  const fromCache =
    routing.to === "hub" || (routing.to === undefined && (op.paginated || op.hubOnly));
  if (!fromCache) return undefined;
  if (op.paginated) return { kind: "cache-list", module };
  const owner = op.iface === "RECEIVER" ? urlOwner(params) : undefined;
  return { kind: "cache-object", module, owner };
}

/**
 * OCPI-to names the hub on a push it does not cache: a broadcast when the
 * module fans that method out; sessions and CDRs go to the receiver their
 * content names instead (they concern one eMSP); anything else is not the
 * hub's to answer.
 */
function addressedToHub({ op }: RequestFacts): RoutingDecision {
  const { module } = op;
  if (op.iface === "RECEIVER" && op.method !== "GET") {
    if (module.broadcast?.methods.includes(op.method)) {
      return { kind: "broadcast", module: module as BroadcastModuleSpec };
    }
    if (module.pushToHub === "route") return { kind: "open" };
  }
  return reject(
    hubError(
      `this hub does not answer ${module.id} ${op.iface} ${op.method} itself; name the receiving party in OCPI-to`,
    ),
  );
}

/**
 * The party under `to` that serves this module and interface, on a
 * connected platform, in a role that implements the interface, that may
 * exchange the module with the sender. Unknown → 4001; known but not
 * connected → 4003 without an attempt (hubclientinfo: Scenarios); connected
 * but without the interface → 4000; without a roaming agreement → 2000.
 */
function findTarget(
  registry: RegistryView,
  from: Party,
  to: PartyRef,
  op: Pick<Operation, "module" | "iface" | "receivers">,
): Target | OcpiError {
  const hosted = registry.partiesAt(to.countryCode, to.partyId);
  if (hosted.length === 0) return unknownReceiver(`no party ${partyName(to)} is known to this hub`);
  let connected = false;
  let withoutAgreement: Party | undefined;
  const receivers: readonly string[] = op.receivers;
  for (const { platform, party } of hosted) {
    if (!isConnected(platform)) continue;
    connected = true;
    // Only a party of a role that implements this interface receives it (module-spec: roles).
    if (!receivers.includes(party.role)) continue;
    const endpoint = endpointOf(platform, op.module.id, op.iface);
    if (endpoint === undefined) continue;
    if (registry.mayExchange(from, party, op.module.id)) return { platform, party, endpoint };
    withoutAgreement = party;
  }
  if (withoutAgreement !== undefined) {
    const [cpo, emsp] = from.role === "CPO" ? [from, withoutAgreement] : [withoutAgreement, from];
    return clientError(noAgreement(cpo, emsp, op.module.id));
  }
  if (!connected) {
    const status = hosted[0]?.platform.status ?? "PENDING";
    return receiverNotConnected(
      `party ${partyName(to)} is not connected to the hub (status ${status})`,
    );
  }
  return hubError(
    `party ${partyName(to)} does not implement the ${op.module.id} ${op.iface} interface`,
  );
}

const reject = (error: OcpiError): RoutingDecision => ({ kind: "reject", error });
