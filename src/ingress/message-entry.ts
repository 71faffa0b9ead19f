import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { describePath, outcomeOf, statusCodeOf, storedBody } from "../messages/describe.js";
import type { HeldLeg } from "../messages/legs.js";
import type { MessageEntry, MessageLog } from "../messages/log.js";
import { Header } from "../ocpi/headers.js";
import type { RoutingHeaderValues } from "../routing/decide.js";

/**
 * Records an OCPI request a sender made to the hub as a message of the log
 * (docs/messages.md), from what the request context holds already: the
 * ids, the caller, the routing headers, the receiver, the answer's status
 * and the OCPI status_code the hub noted on its answer. The request's
 * facts are read now; the entry is made from them when the log writes it
 * into its batch, with a few hundred others (log.ts STAGED): that work,
 * run once per request between two requests' code, cost several times as
 * much (docs/performance.md, "Entries made when they are written").
 */
export function recordMessage(c: Context<AppEnv>, log: MessageLog, ms: number): void {
  const res = c.res;
  const facts: RequestFacts = {
    at: Date.now() - ms,
    ms,
    path: c.req.path,
    method: c.req.method,
    requestId: c.get("requestId"),
    correlationId: c.get("correlationId"),
    caller: (c.get("caller") as AppEnv["Variables"]["caller"] | undefined)?.platform,
    receiver: c.get("receiver") ?? null,
    status: res.status,
    statusCode: statusCodeOf(res),
    leg: c.get("leg")?.held,
    // Read once by the OCPI router; requests it did not take read them here.
    headers: c.get("routingHeaders") ?? {
      fromCountryCode: headerOf(c, Header.fromCountryCode),
      fromPartyId: headerOf(c, Header.fromPartyId),
      toCountryCode: headerOf(c, Header.toCountryCode),
      toPartyId: headerOf(c, Header.toPartyId),
    },
  };
  if (!log.bodies) {
    log.record(() => messageEntry(facts));
    return;
  }
  // MESSAGE_LOG_BODIES: the bodies as sent and answered, redacted; read after the answer.
  const entry = messageEntry(facts);
  void withBodies(c, res, entry).then((e) => log.record(e));
}

/** What the log keeps of a request until it makes its entry. */
interface RequestFacts {
  /** When the request arrived (ms since the epoch): its legs come after it. */
  at: number;
  ms: number;
  path: string;
  method: string;
  requestId: string;
  correlationId: string;
  caller: AppEnv["Variables"]["caller"]["platform"] | undefined;
  receiver: string | null;
  status: number;
  statusCode: number | null;
  leg: HeldLeg | undefined;
  headers: RoutingHeaderValues;
}

function messageEntry(f: RequestFacts): MessageEntry {
  const described = describePath(f.path);
  const { headers: h, caller, leg } = f;
  return {
    kind: "message",
    at: new Date(f.at),
    request_id: f.requestId,
    message_id: f.requestId,
    correlation_id: f.correlationId,
    module: described.module,
    interface: described.interface,
    method: f.method,
    path: f.path,
    object_id: described.objectId,
    from_country_code: h.fromCountryCode ?? caller?.roles[0]?.countryCode ?? null,
    from_party_id: h.fromPartyId ?? caller?.roles[0]?.partyId ?? null,
    from_platform_id: caller?.id ?? null,
    to_country_code: h.toCountryCode ?? null,
    to_party_id: h.toPartyId ?? null,
    to_platform_id: f.receiver,
    http_status: f.status,
    status_code: f.statusCode,
    latency_ms: Math.round(f.ms * 100) / 100,
    outcome: outcomeOf(f.status, f.statusCode),
    request_body: null,
    response_body: null,
    // Set in the literal, not assigned after: every entry keeps one shape.
    leg_request_id: leg?.leg_request_id,
    leg_http_status: leg?.leg_http_status,
    leg_status_code: leg?.leg_status_code,
    leg_latency_ms: leg?.leg_latency_ms,
    leg_outcome: leg?.leg_outcome,
  };
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
