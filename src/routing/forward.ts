import { randomUUID } from "node:crypto";
import { OutboundError, type OutboundResponse } from "../egress/ocpi-client.js";
import { noteStatusCode } from "../messages/describe.js";
import type { Method } from "../modules/module-spec.js";
import {
  forwardTimeout,
  invalidAnswer,
  type OcpiError,
  receiverNotConnected,
} from "../ocpi/errors.js";
import { Header, OutHeader, routingHeadersTo } from "../ocpi/headers.js";
import { type PartyRef, partyName } from "../ocpi/parties.js";
import type { Platform } from "../registry/registry.js";
import type { CallerScope, RequestScope } from "./scope.js";
import { answer, answerHeaders } from "./scope.js";

/** One forwarded request: where it goes and the routing pair the receiver sees. */
export interface Hop {
  method: Method;
  url: string;
  platform: Platform;
  /** The receiving party, for messages. */
  receiver: PartyRef;
  to: PartyRef;
  from: PartyRef;
  body?: string;
}

/**
 * Sends a hop with the hub's token for the receiving platform, a new
 * X-Request-ID and the requester's X-Correlation-ID (transport_and_format:
 * Unique message IDs). A receiver that cannot be used becomes the hub's
 * own error: 4002 on timeout, 4003 when unreachable, when the URL policy
 * refuses its URL or when it refuses the hub's credentials, 3000 for an
 * answer that is not an OCPI envelope or is larger than MAX_RELAY_BYTES.
 */
export async function sendHop(scope: RequestScope, hop: Hop): Promise<OutboundResponse> {
  const { deps } = scope;
  const { platform } = hop;
  const who = `${partyName(hop.receiver)} (${platform.name})`;
  if (platform.outboundToken === null) {
    throw receiverNotConnected(`${who} is not registered with the hub`);
  }
  const trace = { message: scope.requestId, platformId: platform.id, ...hop.receiver };
  scope.forwardedTo(platform.id, trace);
  let res: OutboundResponse;
  const started = performance.now();
  try {
    res = await deps.client.send({
      method: hop.method,
      url: hop.url,
      token: platform.outboundToken,
      encoding: platform.outboundTokenEncoding,
      rawBody: hop.body,
      requestId: randomUUID(),
      correlationId: scope.correlationId,
      pool: platform.id,
      // 2.1.1 has no routing headers: a 2.1.1 receiver gets none.
      headers: withVia(routingHeadersTo(platform.version, hop.to, hop.from), scope.via),
      trace,
    });
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    if (err.httpStatus === 401) throw refused(scope, hop, who);
    scope.log.warn(
      { platform_id: platform.id, url: hop.url, failure: err.failure, reason: err.message },
      "forwarded request failed",
    );
    deps.metrics.observeForward(hop.method, err.failure);
    switch (err.failure) {
      case "timeout":
        throw forwardTimeout(`${who} did not answer within ${deps.config.forwardTimeoutMs} ms`);
      case "unreachable":
        throw receiverNotConnected(`cannot reach ${who}`);
      case "url-refused":
        throw receiverNotConnected(
          `the hub may not call ${who}: its URL is refused (${err.reason})`,
        );
      case "too-large":
        throw invalidAnswer(
          `${who} answered with more than ${deps.config.maxRelayBytes} bytes, the most the hub relays (MAX_RELAY_BYTES)`,
        );
      case "invalid-response":
        throw invalidAnswer(`${who} gave an answer that is not an OCPI response: ${err.reason}`);
    }
  } finally {
    deps.metrics.observeForwardDuration(platform.id, (performance.now() - started) / 1000);
  }
  if (res.status === 401) throw refused(scope, hop, who);
  deps.metrics.observeForward(hop.method, "answered");
  // An answer shows the receiver alive (hubclientinfo: Still alive check); a 5xx does not.
  if (res.status < 500) deps.registry.recordHeard(platform.id, deps.clock.now().getTime());
  return res;
}

/**
 * The receiver refused the hub's token (HTTP 401, with or without an
 * envelope): a matter between hub and receiver, never relayed as the
 * requester's 401.
 */
function refused(scope: RequestScope, hop: Hop, who: string): OcpiError {
  scope.log.error(
    { platform_id: hop.platform.id, url: hop.url },
    "receiver refused the hub's credentials",
  );
  scope.deps.metrics.observeForward(hop.method, "refused");
  return receiverNotConnected(
    `${who} refused the hub's credentials; the hub operator has been alerted`,
  );
}

/**
 * The receiver's answer to the requester: its HTTP status and body as they
 * came, the requester's own X-Request-ID, the routing pair turned around
 * (to = requester, from = receiver), and the headers that matter
 * (pagination, CDR Location), rewritten where they point at the receiver.
 */
export function relay(
  scope: RequestScope | CallerScope,
  res: OutboundResponse,
  parties: { to: PartyRef; from: PartyRef },
  extra?: Record<string, string>,
): Response {
  const headers = answerHeaders(scope, parties.to, parties.from);
  const total = res.headers[Header.totalCount];
  if (total !== undefined) headers[OutHeader.totalCount] = total;
  const limit = res.headers[Header.limit];
  if (limit !== undefined) headers[OutHeader.limit] = limit;
  if (extra !== undefined) Object.assign(headers, extra);
  // A status that forbids a body (1xx, 204, 205, 304) cannot carry the envelope on.
  const status =
    res.status < 200 || res.status === 204 || res.status === 205 || res.status === 304
      ? 200
      : res.status;
  return noteStatusCode(answer(res.text, status, headers), res.body.status_code);
}

/** The routing headers, and the Via the request arrived with when it had one. */
function withVia(headers: Record<string, string>, via: string | undefined): Record<string, string> {
  if (via !== undefined) headers.via = via;
  return headers;
}
