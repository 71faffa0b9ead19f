import { type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../db/client.js";
import { entriesOf, isIdKey, key, POSITIONS, type StoredEntry, searchedKeys } from "./batch.js";
import { withIds } from "./id-index.js";
import type { MessageEntry } from "./log.js";

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
  /** Only messages listed below this position (the previous page's `next`). */
  cursor?: number;
  limit: number;
}

/** Batch rows read per query while a search walks the log newest first. */
const BATCHES_PER_READ = 8;

/** A message or a leg as the admin API shows it. */
export function messageView(e: MessageEntry) {
  return {
    request_id: e.request_id,
    correlation_id: e.correlation_id,
    at: e.at.toISOString(),
    module: e.module,
    interface: e.interface,
    method: e.method,
    path: e.path,
    object_id: e.object_id,
    from: {
      country_code: e.from_country_code,
      party_id: e.from_party_id,
      platform_id: e.from_platform_id,
    },
    to: { country_code: e.to_country_code, party_id: e.to_party_id, platform_id: e.to_platform_id },
    http_status: e.http_status,
    status_code: e.status_code,
    latency_ms: e.latency_ms,
    outcome: e.outcome,
    ...(e.request_body === null ? {} : { request_body: e.request_body }),
    ...(e.response_body === null ? {} : { response_body: e.response_body }),
  };
}

/**
 * The entries of the batches that carry every key of `keys`, newest
 * first, below position `before`; `where` narrows the batches further.
 */
async function* walk(
  db: Database,
  keys: readonly string[],
  where: SQL | undefined,
  before: number | undefined,
): AsyncGenerator<StoredEntry> {
  let below = before === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(before / POSITIONS) + 1;
  const conditions: SQL[] = [];
  const others = keys.filter((k) => !isIdKey(k));
  if (others.length > 0) conditions.push(sql`keys @> ${searchedKeys(others)}`);
  const ids = keys.filter(isIdKey);
  if (ids.length > 0) conditions.push(await withIds(db, ids, true));
  if (where !== undefined) conditions.push(where);
  for (;;) {
    const rows = rowsOf<{ seq: number | string; entries: string }>(
      await db.execute(sql`
        select seq, entries from message_batches
        where seq < ${below} ${sql.join(
          conditions.map((c) => sql`and ${c}`),
          sql` `,
        )}
        order by seq desc limit ${BATCHES_PER_READ}`),
    );
    for (const row of rows) {
      const entries = entriesOf(Number(row.seq), row.entries);
      for (let i = entries.length - 1; i >= 0; i--) {
        const e = entries[i] as StoredEntry;
        if (before === undefined || e.position < before) yield e;
      }
    }
    if (rows.length < BATCHES_PER_READ) return;
    below = Number(rows[rows.length - 1]?.seq);
  }
}

/** Whether a message entry passes the filters that concern the message itself. */
function ownFilters(e: MessageEntry, f: MessageFilter): boolean {
  return (
    e.kind === "message" &&
    (f.correlationId === undefined || e.correlation_id === f.correlationId) &&
    (f.requestId === undefined || e.message_id === f.requestId) &&
    (f.module === undefined || e.module === f.module) &&
    (f.statusCode === undefined || e.status_code === f.statusCode) &&
    (f.objectId === undefined || e.object_id === f.objectId) &&
    (f.since === undefined || e.at >= f.since) &&
    (f.until === undefined || e.at < f.until)
  );
}

/** The messages that match, newest first, and the cursor of the next page (null at the end). */
export async function listMessages(db: Database, f: MessageFilter) {
  const found =
    f.platform === undefined && f.party === undefined
      ? await messagesByOwnFilters(db, f)
      : await messagesInvolving(db, f);
  const page = found.slice(0, f.limit);
  const next = found.length > f.limit ? String(page[page.length - 1]?.position) : null;
  return { data: page.map((m) => messageView(m.message)), next };
}

interface Listed {
  message: MessageEntry;
  /** Where the message is listed: its own position, or for platform and party searches see below. */
  position: number;
}

async function messagesByOwnFilters(db: Database, f: MessageFilter): Promise<Listed[]> {
  const keys: string[] = [];
  if (f.correlationId !== undefined) keys.push(key.correlation(f.correlationId));
  if (f.requestId !== undefined) keys.push(key.message(f.requestId));
  if (f.objectId !== undefined) keys.push(key.object(f.objectId));
  if (f.module !== undefined) keys.push(key.module(f.module));
  if (f.statusCode !== undefined) keys.push(key.status(f.statusCode));
  const found: Listed[] = [];
  for await (const e of walk(db, keys, timeWindow(f), f.cursor)) {
    if (!ownFilters(e, f)) continue;
    found.push({ message: e, position: e.position });
    if (found.length > f.limit) break;
  }
  return found;
}

/** Batches that may hold messages of the window: by their times, as a condition. */
function timeWindow(f: { since?: Date; until?: Date }): SQL | undefined {
  const parts: SQL[] = [];
  if (f.since !== undefined) parts.push(sql`last_at >= ${f.since.toISOString()}::timestamptz`);
  if (f.until !== undefined) parts.push(sql`first_at < ${f.until.toISOString()}::timestamptz`);
  return parts.length === 0 ? undefined : sql.join(parts, sql` and `);
}

/** A message's entry and all of its legs. */
interface Trail {
  message: MessageEntry | undefined;
  entries: StoredEntry[];
}

/** Whether an entry is the platform's: sent by it, or sent to it (a message or a leg). */
const byPlatform = (e: MessageEntry, p: string) =>
  e.from_platform_id === p || e.to_platform_id === p;

/** The same for a party. */
const byParty = (e: MessageEntry, q: { countryCode: string; partyId: string }) =>
  (e.from_country_code === q.countryCode && e.from_party_id === q.partyId) ||
  (e.to_country_code === q.countryCode && e.to_party_id === q.partyId);

/**
 * Messages of a platform or party: sent by it, forwarded to it, or with a
 * leg to it (a broadcast's delivery). A message is listed at its newest
 * entry that involves the platform or party (itself, or its newest leg to
 * it), so a broadcast retried to an OFFLINE eMSP moves up with every
 * attempt and is listed once. The walk reads the batches carrying the
 * platform's or party's key; the messages of legs found there are read
 * through their request id's key, with all their legs.
 */
async function messagesInvolving(db: Database, f: MessageFilter): Promise<Listed[]> {
  const { platform, party } = f;
  // The walk follows the platform when one is given, else the party; a trail must match both.
  const follows = (e: MessageEntry) =>
    platform !== undefined ? byPlatform(e, platform) : party !== undefined && byParty(e, party);
  const scope =
    platform !== undefined
      ? key.platform(platform)
      : key.party(party?.countryCode ?? "", party?.partyId ?? "");
  const found: Listed[] = [];
  const seen = new Set<string>();
  let wanted: string[] = [];
  const settle = async () => {
    const trails = await trailsOf(db, wanted);
    wanted = [];
    for (const { message, entries } of trails.values()) {
      if (message === undefined || !ownFilters(message, f)) continue;
      if (platform !== undefined && !entries.some((e) => byPlatform(e, platform))) continue;
      if (party !== undefined && !entries.some((e) => byParty(e, party))) continue;
      const position = Math.max(...entries.filter(follows).map((e) => e.position));
      // Listed on an earlier page: its newest entry for the platform is above the cursor.
      if (f.cursor !== undefined && position >= f.cursor) continue;
      found.push({ message, position });
    }
  };
  const since = f.since === undefined ? undefined : timeWindow({ since: f.since });
  for await (const e of walk(db, [scope], since, f.cursor)) {
    if (!follows(e) || seen.has(e.message_id)) continue;
    seen.add(e.message_id);
    wanted.push(e.message_id);
    if (wanted.length >= SETTLE_EVERY) {
      await settle();
      if (found.length > f.limit) break;
    }
  }
  if (wanted.length > 0) await settle();
  return found.sort((a, b) => b.position - a.position);
}

/** Messages read at a time by their request ids while a platform's or party's search walks. */
const SETTLE_EVERY = 64;

/**
 * The trail (message and legs) of each request id, from the batches that
 * carry its key. A request id is the sender's choice: when several
 * messages share it, the newest is taken and its legs are those from its
 * arrival on.
 */
async function trailsOf(db: Database, ids: readonly string[]): Promise<Map<string, Trail>> {
  const trails = new Map<string, Trail>();
  if (ids.length === 0) return trails;
  for (const id of ids) trails.set(id, { message: undefined, entries: [] });
  const rows = rowsOf<{ seq: number | string; entries: string }>(
    await db.execute(sql`
      select seq, entries from message_batches
      where ${await withIds(db, ids.map(key.message), false)} order by seq`),
  );
  for (const row of rows) {
    for (const e of entriesOf(Number(row.seq), row.entries)) {
      const trail = trails.get(e.message_id);
      if (trail === undefined) continue;
      trail.entries.push(e);
      if (e.kind === "message") trail.message = e;
    }
  }
  for (const trail of trails.values()) {
    const m = trail.message;
    if (m !== undefined)
      trail.entries = trail.entries.filter((e) => e === m || (e.kind === "leg" && e.at >= m.at));
  }
  return trails;
}

/**
 * One message with its legs in time order. A request id is the sender's
 * choice: when several messages share it, the newest is taken, or the
 * newest sent by `platform` when one is given.
 */
export async function messageWithLegs(db: Database, requestId: string, platform?: string) {
  const rows = rowsOf<{ seq: number | string; entries: string }>(
    await db.execute(sql`
      select seq, entries from message_batches
      where ${await withIds(db, [key.message(requestId)], false)} order by seq`),
  );
  const all = rows.flatMap((row) =>
    entriesOf(Number(row.seq), row.entries).filter((e) => e.message_id === requestId),
  );
  const found = all
    .filter(
      (e) => e.kind === "message" && (platform === undefined || e.from_platform_id === platform),
    )
    .at(-1);
  if (found === undefined) return undefined;
  const legs = all
    .filter((e) => e.kind === "leg" && e.at >= found.at)
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.position - b.position)
    .map(messageView);
  const message = messageView(found);
  return {
    ...message,
    legs:
      found.leg_request_id === undefined || found.leg_request_id === null
        ? legs
        : [heldLeg(found, message), ...legs],
  };
}

/** The forward attempt kept on a message's entry, shown as a leg like the others. */
function heldLeg(e: MessageEntry, message: ReturnType<typeof messageView>) {
  // The receiver's answer is the relayed one; when none came, the message's answer is the hub's own.
  const { response_body, ...sent } = message as typeof message & { response_body?: string };
  return {
    ...(e.leg_http_status === null || e.leg_http_status === undefined ? sent : message),
    request_id: e.leg_request_id,
    from: { country_code: null, party_id: null, platform_id: null },
    http_status: e.leg_http_status ?? null,
    status_code: e.leg_status_code ?? null,
    latency_ms: e.leg_latency_ms ?? null,
    outcome: e.leg_outcome ?? null,
  };
}
