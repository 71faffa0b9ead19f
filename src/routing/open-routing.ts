import type { Deps } from "../deps.js";
import { type Params, urlOwner } from "../modules/module-spec.js";
import { unknownReceiver } from "../ocpi/errors.js";
import type { PartyRef } from "../ocpi/parties.js";
import { partyName, sameParty } from "../ocpi/parties.js";
import type { Party } from "../registry/registry.js";
import type { Operation } from "./operations.js";

const cannotTell = (why: string) => unknownReceiver(`the hub cannot tell the receiver: ${why}`);

const ASK = "name the receiver in OCPI-to-country-code and OCPI-to-party-id";

interface Request {
  op: Operation;
  params: Params;
  body: unknown;
  from: Party;
  /** The raw query string, without '?'. */
  query: string;
}

/**
 * The receivers of a request without OCPI-to, read from its content and
 * from what the hub saw before (transport_and_format: Open Routing
 * Request), in the order of their claims: when several parties claim one
 * id, the earliest claim comes first, so a later claimant cannot take an
 * id or block the party that had it. Callers send to the first, or ask
 * each in turn where the request allows it (real-time authorization).
 * When the hub cannot tell: 4001 saying why.
 */
export async function openRoute(deps: Deps, req: Request): Promise<PartyRef[]> {
  const { op, params, body, from } = req;
  const store = deps.routing;
  switch (op.open) {
    case "token-owner": {
      const uid = params.token_uid as string;
      const type = new URLSearchParams(req.query).get("type") ?? "RFID";
      const owners = await store.tokenOwners(uid, type);
      if (owners.length === 0) {
        throw cannotTell(`no eMSP has pushed token ${uid} (${type}) through the hub; ${ASK}`);
      }
      return distinct(owners);
    }
    case "cdr-token": {
      const token = (body as { cdr_token?: { country_code?: string; party_id?: string } })
        .cdr_token;
      if (token?.country_code === undefined || token.party_id === undefined) {
        throw cannotTell(`the body has no cdr_token naming the eMSP; ${ASK}`);
      }
      return [{ countryCode: token.country_code, partyId: token.party_id }];
    }
    case "session-owner": {
      const owner = urlOwner(params);
      const target = await store.hint("session", owner, params.session_id as string);
      if (target === undefined) {
        throw cannotTell(
          `session ${params.session_id} of ${partyName(owner)} has not been routed through the hub before; ${ASK}`,
        );
      }
      return [target];
    }
    case "session-cpo":
      return [await sessionCpo(deps, params.session_id as string, from)];
    case "location-owner":
      return [await locationOwner(deps, params.location_id as string)];
    case "profile-setter": {
      const target = await store.hint("profile", from, params.session_id as string);
      if (target === undefined) {
        throw cannotTell(
          `no party has set a charging profile on session ${params.session_id} through the hub; ${ASK}`,
        );
      }
      return [target];
    }
    case "command":
      return [await commandReceiver(deps, params.command as string, body, from)];
    default:
      throw cannotTell(
        op.paginated
          ? `a list GET has no content to route by; ${ASK}, or address the hub`
          : `the ${op.module.id} ${op.iface} interface has no content to route ${op.method} by; ${ASK}`,
      );
  }
}

async function commandReceiver(
  deps: Deps,
  command: string,
  body: unknown,
  from: Party,
): Promise<PartyRef> {
  const b = body as { location_id?: string; session_id?: string; reservation_id?: string };
  switch (command) {
    case "STOP_SESSION":
      return sessionCpo(deps, b.session_id as string, from);
    case "CANCEL_RESERVATION": {
      const target = await deps.routing.hint("reservation", from, b.reservation_id as string);
      if (target === undefined) {
        throw cannotTell(
          `reservation ${b.reservation_id} was not made through the hub by ${partyName(from)}; ${ASK}`,
        );
      }
      return target;
    }
    default:
      return locationOwner(deps, b.location_id as string);
  }
}

/**
 * The CPO of a location pulled into the cache or pushed through the hub:
 * the cache's rows in the order they were first written, then the hints,
 * the earliest claim winning.
 */
async function locationOwner(deps: Deps, locationId: string): Promise<PartyRef> {
  const [hints, cached] = await Promise.all([
    deps.routing.hintsFor("location", locationId),
    deps.cache.locationOwners(locationId),
  ]);
  const owners = [...cached, ...hints.map((h) => h.owner)];
  if (owners.length === 0) {
    throw cannotTell(`no CPO has pushed location ${locationId} through the hub; ${ASK}`);
  }
  return owners[0] as PartyRef;
}

/**
 * The owner of a session the hub sent to `from`: the CPO to which that
 * party's commands, charging preferences and profiles for it go.
 */
async function sessionCpo(deps: Deps, sessionId: string, from: PartyRef): Promise<PartyRef> {
  const hints = await deps.routing.hintsFor("session", sessionId);
  const mine = hints.filter((h) => sameParty(h.target, from)).map((h) => h.owner);
  if (mine.length === 0) {
    throw cannotTell(
      `no session ${sessionId} has been sent to ${partyName(from)} through the hub; ${ASK}`,
    );
  }
  return mine[0] as PartyRef;
}

/** Each party once, in the order given. */
function distinct(parties: PartyRef[]): PartyRef[] {
  return parties.filter((p, i) => parties.findIndex((q) => sameParty(p, q)) === i);
}
