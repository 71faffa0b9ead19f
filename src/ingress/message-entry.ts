import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { describePath, outcomeOf, statusCodeOf, storedBody } from "../messages/describe.js";
import type { MessageEntry, MessageLog } from "../messages/log.js";
import { Header } from "../ocpi/headers.js";

/**
 * Records an OCPI request a sender made to the hub as a message of the log
 * (docs/messages.md), from what the request context holds already: the
 * ids, the caller, the routing headers, the receiver, the answer's status
 * and the OCPI status_code the hub noted on its answer.
 */
export function recordMessage(c: Context<AppEnv>, log: MessageLog, ms: number): void {
  const path = c.req.path;
  const facts = describePath(path);
  const caller = c.get("caller") as AppEnv["Variables"]["caller"] | undefined;
  const res = c.res;
  const statusCode = statusCodeOf(res);
  const leg = c.get("leg")?.held;
  // Read once by the OCPI router; requests it did not take read them here.
  const h = c.get("routingHeaders") ?? {
    fromCountryCode: headerOf(c, Header.fromCountryCode),
    fromPartyId: headerOf(c, Header.fromPartyId),
    toCountryCode: headerOf(c, Header.toCountryCode),
    toPartyId: headerOf(c, Header.toPartyId),
  };
  const entry: MessageEntry = {
    kind: "message",
    // When the request arrived: its legs come after it.
    at: new Date(Date.now() - ms),
    request_id: c.get("requestId"),
    message_id: c.get("requestId"),
    correlation_id: c.get("correlationId"),
    module: facts.module,
    interface: facts.interface,
    method: c.req.method,
    path,
    object_id: facts.objectId,
    from_country_code: h.fromCountryCode ?? caller?.platform.roles[0]?.countryCode ?? null,
    from_party_id: h.fromPartyId ?? caller?.platform.roles[0]?.partyId ?? null,
    from_platform_id: caller?.platform.id ?? null,
    to_country_code: h.toCountryCode ?? null,
    to_party_id: h.toPartyId ?? null,
    to_platform_id: c.get("receiver") ?? null,
    http_status: res.status,
    status_code: statusCode,
    latency_ms: Math.round(ms * 100) / 100,
    outcome: outcomeOf(res.status, statusCode),
    request_body: null,
    response_body: null,
    // Set in the literal, not assigned after: every entry keeps one shape.
    leg_request_id: leg?.leg_request_id,
    leg_http_status: leg?.leg_http_status,
    leg_status_code: leg?.leg_status_code,
    leg_latency_ms: leg?.leg_latency_ms,
    leg_outcome: leg?.leg_outcome,
  };
  if (!log.bodies) {
    log.record(entry);
    return;
  }
  // MESSAGE_LOG_BODIES: the bodies as sent and answered, redacted; read after the answer.
  void withBodies(c, res, entry).then((e) => log.record(e));
}

/**
 * A request header (`name` in lower case): from the Node request's own
 * header object when there is one, a property read, where Hono's lookup
 * goes through its Headers view on every call.
 */
function headerOf(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

async function withBodies(
  c: Context<AppEnv>,
  res: Response,
  entry: MessageEntry,
): Promise<MessageEntry> {
  const read = async (f: () => Promise<string>) => {
    try {
      return storedBody(await f());
    } catch {
      return null;
    }
  };
  const hasBody = c.req.method !== "GET" && c.req.method !== "DELETE";
  entry.request_body = hasBody ? await read(() => c.req.text()) : null;
  entry.response_body = await read(() => res.clone().text());
  return entry;
}
