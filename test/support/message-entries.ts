import { randomUUID } from "node:crypto";
import type { MessageEntry } from "../../src/messages/log.js";

/**
 * A message of the log as the hub records a forwarded location GET from
 * DE/EMS to NL/CPO: a new request id and correlation id each call (two new
 * search keys), then `fields` over it.
 */
export function forwardedEntry(fields: Partial<MessageEntry> = {}): MessageEntry {
  const id = randomUUID();
  return {
    kind: "message",
    at: new Date(),
    request_id: id,
    message_id: id,
    correlation_id: randomUUID(),
    module: "locations",
    interface: "sender",
    method: "GET",
    path: "/ocpi/2.2.1/locations/sender/LOC1",
    object_id: "LOC1",
    from_country_code: "DE",
    from_party_id: "EMS",
    from_platform_id: "plat-emsp",
    to_country_code: "NL",
    to_party_id: "CPO",
    to_platform_id: "plat-cpo",
    http_status: 200,
    status_code: 1000,
    latency_ms: 2.5,
    outcome: "success",
    request_body: null,
    response_body: null,
    ...fields,
  };
}
