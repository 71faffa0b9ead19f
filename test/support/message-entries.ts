import { randomUUID } from "node:crypto";
import type { Database } from "../../src/db/client.js";
import { createLogger } from "../../src/logging/logger.js";
import {
  createMessageLog,
  type MessageEntry,
  type MessageLogOptions,
} from "../../src/messages/log.js";

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

/**
 * A message log on `db` that writes only when flushed or closed (its loop's
 * period is an hour) and logs nothing; `options` over that.
 */
export function quietLog(db: Database, options: Partial<MessageLogOptions> = {}) {
  return createMessageLog({
    db,
    logger: createLogger("silent"),
    enabled: true,
    bodies: false,
    intervalMs: 3_600_000,
    ...options,
  });
}
