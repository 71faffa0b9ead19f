import type { Deps } from "../deps.js";
import type { Logger } from "../logging/logger.js";
import { noteStatusCode } from "../messages/describe.js";
import type { LegTrace } from "../messages/legs.js";
import { envelope } from "../ocpi/envelope.js";
import { OutHeader, RoutingHeader } from "../ocpi/headers.js";
import { type PartyRef, sameParty } from "../ocpi/parties.js";
import type { StatusCode } from "../ocpi/status-codes.js";
import type { Caller, Party } from "../registry/registry.js";

/**
 * What routing needs of one request, without Hono's Context: its
 * dependencies, its ids, its logger, its URL; and a way to name the
 * platform it went to for the request's log line. Ingress builds it.
 */
export interface RequestScope {
  readonly deps: Deps;
  readonly requestId: string;
  readonly correlationId: string;
  /** The URL as received, for pagination links. */
  readonly url: string;
  /** The request's logger, with its ids bound. */
  readonly log: Logger;
  /**
   * The Via the request arrived with, passed on by every hop it causes
   * (the client appends the hub's own mark), so that a loop through
   * another hub that marks its requests the same way comes back marked.
   */
  readonly via?: string;
  /** Names the platform the request was forwarded to, and the attempt's leg for the message log. */
  forwardedTo(platformId: string, leg?: LegTrace): void;
}

/** A request scope with the authenticated caller (routed modules). */
export interface CallerScope extends RequestScope {
  readonly caller: Caller;
}

export interface ReplyOptions {
  message?: string;
  httpStatus?: number;
  /** Further headers, such as the pagination headers. */
  headers?: Record<string, string>;
}

/**
 * The one way an OCPI answer the hub writes itself leaves it: the envelope,
 * timestamped by the injected clock, with the request's X-Request-ID and
 * X-Correlation-ID.
 */
export function reply<T>(
  scope: Pick<RequestScope, "deps" | "requestId" | "correlationId">,
  statusCode: StatusCode,
  data?: T,
  options: ReplyOptions = {},
): Response {
  const body = envelope(scope.deps.clock.now(), statusCode, data, options.message);
  const res = answer(JSON.stringify(body), options.httpStatus ?? 200, {
    ...idHeaders(scope),
    ...options.headers,
  });
  return noteStatusCode(res, statusCode);
}

/**
 * The headers of an answer to a routed request: the request's ids and the
 * routing pair (to = the requester, from = who answers). One literal rather
 * than spreads of smaller header objects: it runs on every routed answer.
 */
export function answerHeaders(
  scope: Pick<RequestScope, "requestId" | "correlationId">,
  to: PartyRef,
  from: PartyRef,
): Record<string, string> {
  return {
    [OutHeader.requestId]: scope.requestId,
    [OutHeader.correlationId]: scope.correlationId,
    [RoutingHeader.toCountryCode]: to.countryCode,
    [RoutingHeader.toPartyId]: to.partyId,
    [RoutingHeader.fromCountryCode]: from.countryCode,
    [RoutingHeader.fromPartyId]: from.partyId,
  };
}

/**
 * The party an answer of the hub is addressed to (its OCPI-to): the one
 * the request's OCPI-from names when it is a party of the calling platform,
 * otherwise (OCPI-from missing, or naming a party the caller does not
 * hold) the platform's first party, so that the answer names the platform
 * that asked and never a party it may not speak for.
 */
export function requesterOf(
  callerParties: readonly Party[],
  from: { countryCode: string | undefined; partyId: string | undefined },
): PartyRef | undefined {
  const { countryCode, partyId } = from;
  if (countryCode !== undefined && partyId !== undefined) {
    const named = callerParties.find((p) => sameParty(p, { countryCode, partyId }));
    if (named !== undefined) return named;
  }
  return callerParties[0];
}

/** The request's ids, echoed on every answer. */
export function idHeaders(scope: Pick<RequestScope, "requestId" | "correlationId">) {
  return {
    [OutHeader.requestId]: scope.requestId,
    [OutHeader.correlationId]: scope.correlationId,
  };
}

/**
 * A JSON answer with its headers as a plain object. Hono's c.json() and
 * c.body() turn more than one header into a Headers object, which costs
 * several microseconds; the adapter's own Response keeps the object and
 * writes it as it is.
 */
export function answer(text: string, status: number, headers: Record<string, string>): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
