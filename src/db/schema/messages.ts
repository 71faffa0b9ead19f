import { sql } from "drizzle-orm";
import {
  bigserial,
  doublePrecision,
  index,
  integer,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const MESSAGES = sql`kind = 'message'`;

/**
 * The message log (docs/messages.md): one row per OCPI request a sender
 * sent to the hub (kind "message") and one per attempt of the hub to pass
 * it on (kind "leg", tied to its message by message_id). No foreign keys:
 * rows are written in batches off the request path and outlive platforms.
 */
export const messageLog = pgTable(
  "message_log",
  {
    /** Newest first; the cursor of GET /admin/messages. */
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    /** The X-Request-ID of this hop: the sender's for a message, the hub's for a leg. */
    requestId: text("request_id").notNull(),
    /** The request id of the message: its own for a message, its origin's for a leg. */
    messageId: text("message_id").notNull(),
    correlationId: text("correlation_id"),
    module: text("module"),
    interface: text("interface"),
    method: text("method").notNull(),
    path: text("path"),
    objectId: text("object_id"),
    fromCountryCode: text("from_country_code"),
    fromPartyId: text("from_party_id"),
    fromPlatformId: text("from_platform_id"),
    toCountryCode: text("to_country_code"),
    toPartyId: text("to_party_id"),
    toPlatformId: text("to_platform_id"),
    httpStatus: integer("http_status"),
    statusCode: integer("status_code"),
    latencyMs: doublePrecision("latency_ms"),
    outcome: text("outcome").notNull(),
    /**
     * A forwarded request's one forward attempt, kept on its message's row
     * (one insert per forwarded request instead of two); its own request id
     * and the receiver's answer. Other legs are rows of their own.
     */
    legRequestId: text("leg_request_id"),
    legHttpStatus: integer("leg_http_status"),
    legStatusCode: integer("leg_status_code"),
    legLatencyMs: doublePrecision("leg_latency_ms"),
    legOutcome: text("leg_outcome"),
    requestBody: text("request_body"),
    responseBody: text("response_body"),
  },
  // Legs are found through their message (message_id) and by receiver (platform and party
  // filters reach a broadcast's recipients); every other filter applies to messages only,
  // so those indexes are partial and a leg's insert skips them.
  (t) => [
    index("message_log_message").on(t.messageId),
    index("message_log_to_platform").on(t.toPlatformId),
    index("message_log_to_party").on(t.toCountryCode, t.toPartyId),
    index("message_log_at").on(t.at).where(MESSAGES),
    index("message_log_correlation").on(t.correlationId).where(MESSAGES),
    index("message_log_from_platform").on(t.fromPlatformId).where(MESSAGES),
    index("message_log_from_party").on(t.fromCountryCode, t.fromPartyId).where(MESSAGES),
    index("message_log_module").on(t.module).where(MESSAGES),
    index("message_log_object").on(t.objectId).where(MESSAGES),
    index("message_log_status_code").on(t.statusCode).where(MESSAGES),
  ],
);
