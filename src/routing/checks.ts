import type { OwnedObject, Params } from "../modules/module-spec.js";
import { urlOwner } from "../modules/module-spec.js";
import { invalidParameters } from "../ocpi/errors.js";
import { parsePage } from "../ocpi/pagination.js";
import { partyName, sameParty } from "../ocpi/parties.js";
import { parseJson, type ValidationMode, validate } from "../ocpi/validate.js";
import type { Party } from "../registry/registry.js";
import type { Routing } from "./decide.js";
import type { Operation } from "./operations.js";

/** A request that passed its checks, as the functions that carry out a decision get it. */
export interface CheckedRequest {
  op: Operation;
  params: Params;
  body: unknown;
  /** The body as received, passed on byte for byte. */
  text: string | undefined;
  /**
   * The path after the receiver's endpoint, '' or '/…': rebuilt from the
   * checked parameters, each percent-encoded (see outboundPath).
   */
  path: string;
  query: string;
  routing: Routing;
}

/** A request's body: as received, and parsed when the operation reads one. */
export interface RequestBody {
  text: string | undefined;
  body: unknown;
}

/**
 * Reads and checks the body of an operation that takes one: JSON (HTTP 400
 * otherwise), then the operation's schema (2001 naming the field). A result
 * on a callback URL is parsed here and checked against the schema of what
 * it answers later. `mode` is the hub's VALIDATION: whether the tolerance
 * policy applies.
 */
export function parseBody(
  op: Operation,
  params: Params,
  text: string | undefined,
  mode: ValidationMode,
): RequestBody {
  if (op.body === undefined && op.local !== "callback") return { text: undefined, body: undefined };
  const received = text ?? "";
  if (received.trim() === "" && op.bodyOptional) return { text: undefined, body: undefined };
  const body = parseJson(received);
  if (op.body !== undefined) {
    validate(op.body(params), body, `${op.module.id} ${op.method} body`, mode);
  }
  return { text: received, body };
}

/**
 * What a request must satisfy besides its body's schema: the ownership of
 * a client-owned object, the module's own checks, and a list's paging.
 */
export function checkRequest(
  callerParties: readonly Party[],
  op: Operation,
  req: { params: Params; query: string; body: unknown },
): void {
  checkOwnership(callerParties, op, req.params, req.body);
  op.check?.(req);
  if (op.paginated) checkPage(op, req.query);
}

/**
 * Client-owned objects (transport_and_format: Client Owned Object Push):
 * the URL's codes must be a party of the caller in a role that sends the
 * request (a CPO's locations, an eMSP's tokens), so that the same codes held
 * in another role, on this platform or another, never reach its objects;
 * and the fields of a body that name the object must be the URL's.
 */
function checkOwnership(
  roles: readonly Party[],
  op: Operation,
  params: Params,
  body: unknown,
): void {
  if (op.owned === undefined) return;
  const owner = urlOwner(params);
  const senders: readonly string[] = op.senders;
  if (!roles.some((r) => sameParty(r, owner) && senders.includes(r.role))) {
    throw invalidParameters(
      `the URL names ${partyName(owner)}, which is not a ${op.senders.join(" or ")} of the calling platform`,
    );
  }
  if (typeof body === "object" && body !== null && (op.method === "PUT" || op.method === "PATCH")) {
    checkBodyNames(op.method, op.owned, params, body as Record<string, unknown>);
  }
}

/**
 * The fields of a body that name a client-owned object (its id, with
 * `codes` its owner's country_code and party_id) must be the URL's,
 * compared as CiStrings (types: CiString). A PUT carries them all (the
 * modules' PUT parameters). A PATCH may leave them out, but one carrying
 * another value, or null, would rename the object, and these fields "can
 * never be changed, modified or renamed" (locations: Location object):
 * refused with 2001 naming the field and both values, before anything is
 * forwarded, cached or queued.
 */
function checkBodyNames(
  method: "PUT" | "PATCH",
  owned: OwnedObject,
  params: Params,
  body: Record<string, unknown>,
): void {
  const carries = (field: string) => method === "PUT" || Object.hasOwn(body, field);
  const why = method === "PATCH" ? "; a PATCH cannot rename an object" : "";
  const owner = urlOwner(params);
  if (owned.codes && carries("country_code") && carries("party_id")) {
    if (!sameCi(body.country_code, owner.countryCode) || !sameCi(body.party_id, owner.partyId)) {
      throw invalidParameters(
        `country_code and party_id of the body (${shownValue(body.country_code)}/${shownValue(body.party_id)}) differ from the URL (${partyName(owner)})${why}`,
      );
    }
  }
  const fields: [string, string][] = [[owned.idField, params[owned.idParam] as string]];
  if (owned.codes) {
    fields.push(["country_code", owner.countryCode], ["party_id", owner.partyId]);
  }
  for (const [field, expected] of fields) {
    if (carries(field) && !sameCi(body[field], expected)) {
      throw invalidParameters(
        `${field} of the body (${shownValue(body[field])}) differs from the URL (${expected})${why}`,
      );
    }
  }
}

/** A body's value equals a URL's as a CiString: a string, compared case-insensitively. */
const sameCi = (value: unknown, expected: string) =>
  typeof value === "string" && value.toUpperCase() === expected.toUpperCase();

/** A body's value for a message: a string as it is, anything else as JSON (`null`). */
const shownValue = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

function checkPage(op: Operation, query: string): void {
  const q = Object.fromEntries(new URLSearchParams(query));
  parsePage(q, Number.MAX_SAFE_INTEGER);
  if (op.requiresDateFrom && (q.date_from === undefined || q.date_from === "")) {
    throw invalidParameters(`date_from is required on the ${op.module.id} Sender's list`);
  }
}
