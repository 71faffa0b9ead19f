import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { Header, routingHeaders } from "../ocpi/headers.js";
import { hubParty } from "../ocpi/parties.js";
import type { StatusCode } from "../ocpi/status-codes.js";
import { OCPI_2_1_1 } from "../ocpi/version.js";
import { type ReplyOptions, reply, requesterOf } from "../routing/scope.js";
import { statusCodeFor211 } from "../versions/v2_1_1/status-codes.js";

/**
 * reply() for a handler that holds Hono's Context: the envelope with the
 * request's ids. It reads the three things reply() needs and builds no
 * request scope. Every answer the hub writes on a functional module (its
 * refusals and failures, through app.onError, included) also names the
 * hub in OCPI-from and the requester in OCPI-to (transport_and_format:
 * Message Routing Headers); headers in `options` win.
 */
export function respond<T>(
  c: Context<AppEnv>,
  statusCode: StatusCode,
  data?: T,
  options: ReplyOptions = {},
): Response {
  const ids = {
    deps: c.get("deps"),
    requestId: c.get("requestId"),
    correlationId: c.get("correlationId"),
  };
  if (callerOf(c)?.platform.version === OCPI_2_1_1) {
    const mapped = statusCodeFor211(statusCode, options.message);
    statusCode = mapped.code;
    options = { ...options, message: mapped.message };
  }
  const routing = c.get("routed") === true ? answerRouting(c) : undefined;
  if (routing === undefined) return reply(ids, statusCode, data, options);
  return reply(ids, statusCode, data, { ...options, headers: { ...routing, ...options.headers } });
}

/** The routing pair of an answer of the hub: to = the requester, from = the hub. */
function answerRouting(c: Context<AppEnv>): Record<string, string> | undefined {
  const caller = callerOf(c);
  if (caller === undefined) return undefined;
  // 2.1.1 has no routing headers: a 2.1.1 platform on a hub URL of 2.2.1 (a callback) gets none.
  if (caller.platform.version === OCPI_2_1_1) return undefined;
  const requester = requesterOf(caller.platform.roles, {
    countryCode: c.req.header(Header.fromCountryCode),
    partyId: c.req.header(Header.fromPartyId),
  });
  if (requester === undefined) return undefined;
  return routingHeaders(requester, hubParty(c.get("deps").config));
}

/** The authenticated caller; unset when authentication failed, so the hub cannot tell who asked. */
const callerOf = (c: Context<AppEnv>) =>
  c.get("caller") as AppEnv["Variables"]["caller"] | undefined;
