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
  const entry: MessageEntry = {
    kind: "message",
    // When the request arrived: its legs come after it.
    at: new Date(Date.now() - ms),
    requestId: c.get("requestId"),
    messageId: c.get("requestId"),
    correlationId: c.get("correlationId"),
    module: facts.module,
    interface: facts.interface,
    method: c.req.method,
    path,
    objectId: facts.objectId,
    fromCountryCode:
      c.req.header(Header.fromCountryCode) ?? caller?.platform.roles[0]?.countryCode ?? null,
    fromPartyId: c.req.header(Header.fromPartyId) ?? caller?.platform.roles[0]?.partyId ?? null,
    fromPlatformId: caller?.platform.id ?? null,
    toCountryCode: c.req.header(Header.toCountryCode) ?? null,
    toPartyId: c.req.header(Header.toPartyId) ?? null,
    toPlatformId: c.get("receiver") ?? null,
    httpStatus: res.status,
    statusCode,
    latencyMs: Math.round(ms * 100) / 100,
    outcome: outcomeOf(res.status, statusCode),
    requestBody: null,
    responseBody: null,
  };
  if (!log.bodies) {
    log.record(entry);
    return;
  }
  // MESSAGE_LOG_BODIES: the bodies as sent and answered, redacted; read after the answer.
  void withBodies(c, res, entry).then((e) => log.record(e));
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
  entry.requestBody = hasBody ? await read(() => c.req.text()) : null;
  entry.responseBody = await read(() => res.clone().text());
  return entry;
}
