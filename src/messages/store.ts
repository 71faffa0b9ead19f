import { and, asc, desc, eq, gte, inArray, lt, or, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { messageLog } from "../db/schema/messages.js";

/** The filters of GET /admin/messages, validated. */
export interface MessageFilter {
  correlationId?: string;
  requestId?: string;
  platform?: string;
  party?: { countryCode: string; partyId: string };
  module?: string;
  statusCode?: number;
  objectId?: string;
  since?: Date;
  until?: Date;
  /** Only rows older than this sequence number (the previous page's `next`). */
  cursor?: number;
  limit: number;
}

type Row = typeof messageLog.$inferSelect;

/** A message or a leg as the admin API shows it. */
export function messageView(r: Row) {
  return {
    request_id: r.requestId,
    correlation_id: r.correlationId,
    at: r.at.toISOString(),
    module: r.module,
    interface: r.interface,
    method: r.method,
    path: r.path,
    object_id: r.objectId,
    from: {
      country_code: r.fromCountryCode,
      party_id: r.fromPartyId,
      platform_id: r.fromPlatformId,
    },
    to: { country_code: r.toCountryCode, party_id: r.toPartyId, platform_id: r.toPlatformId },
    http_status: r.httpStatus,
    status_code: r.statusCode,
    latency_ms: r.latencyMs,
    outcome: r.outcome,
    ...(r.requestBody === null ? {} : { request_body: r.requestBody }),
    ...(r.responseBody === null ? {} : { response_body: r.responseBody }),
  };
}

/** The messages that match, newest first, and the cursor of the next page (null at the end). */
export async function listMessages(db: Database, f: MessageFilter) {
  const m = messageLog;
  const where: (SQL | undefined)[] = [eq(m.kind, "message")];
  if (f.correlationId !== undefined) where.push(eq(m.correlationId, f.correlationId));
  // A message's message_id is its request id (indexed); a leg's own request id is not searched.
  if (f.requestId !== undefined) where.push(eq(m.messageId, f.requestId));
  if (f.module !== undefined) where.push(eq(m.module, f.module));
  if (f.statusCode !== undefined) where.push(eq(m.statusCode, f.statusCode));
  if (f.objectId !== undefined) where.push(eq(m.objectId, f.objectId));
  if (f.since !== undefined) where.push(gte(m.at, f.since));
  if (f.until !== undefined) where.push(lt(m.at, f.until));
  if (f.cursor !== undefined) where.push(lt(m.seq, f.cursor));
  if (f.platform !== undefined) {
    // Sent by it, forwarded to it, or passed on to it by a leg (a broadcast).
    const legs = db
      .select({ id: m.messageId })
      .from(m)
      .where(and(eq(m.kind, "leg"), eq(m.toPlatformId, f.platform)));
    where.push(
      or(
        eq(m.fromPlatformId, f.platform),
        eq(m.toPlatformId, f.platform),
        inArray(m.messageId, legs),
      ),
    );
  }
  if (f.party !== undefined) {
    const { countryCode, partyId } = f.party;
    const legs = db
      .select({ id: m.messageId })
      .from(m)
      .where(and(eq(m.kind, "leg"), eq(m.toCountryCode, countryCode), eq(m.toPartyId, partyId)));
    where.push(
      or(
        and(eq(m.fromCountryCode, countryCode), eq(m.fromPartyId, partyId)),
        and(eq(m.toCountryCode, countryCode), eq(m.toPartyId, partyId)),
        inArray(m.messageId, legs),
      ),
    );
  }
  const rows = await db
    .select()
    .from(m)
    .where(and(...where))
    .orderBy(desc(m.seq))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const next = rows.length > f.limit ? String(page[page.length - 1]?.seq) : null;
  return { data: page.map(messageView), next };
}

/**
 * One message with its legs in time order. A request id is the sender's
 * choice: when several messages share it, the newest is taken, or the
 * newest sent by `platform` when one is given.
 */
export async function messageWithLegs(db: Database, requestId: string, platform?: string) {
  const m = messageLog;
  const [found] = await db
    .select()
    .from(m)
    .where(
      and(
        eq(m.kind, "message"),
        eq(m.messageId, requestId),
        platform === undefined ? undefined : eq(m.fromPlatformId, platform),
      ),
    )
    .orderBy(desc(m.seq))
    .limit(1);
  if (found === undefined) return undefined;
  const legs = await db
    .select()
    .from(m)
    .where(and(eq(m.kind, "leg"), eq(m.messageId, found.messageId), gte(m.at, found.at)))
    .orderBy(asc(m.at), asc(m.seq));
  const message = messageView(found);
  const rows = legs.map(messageView);
  return {
    ...message,
    legs: found.legRequestId === null ? rows : [heldLeg(found, message), ...rows],
  };
}

/** The forward attempt kept on a message's row, shown as a leg like the others. */
function heldLeg(r: Row, message: ReturnType<typeof messageView>) {
  // The receiver's answer is the relayed one; when none came, the message's answer is the hub's own.
  const { response_body, ...sent } = message as typeof message & { response_body?: string };
  return {
    ...(r.legHttpStatus === null ? sent : message),
    request_id: r.legRequestId,
    from: { country_code: null, party_id: null, platform_id: null },
    http_status: r.legHttpStatus,
    status_code: r.legStatusCode,
    latency_ms: r.legLatencyMs,
    outcome: r.legOutcome,
  };
}
