import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type DeliveryRecipientRow, deliveryRecipients } from "../db/schema/index.js";
import type { Registry } from "../registry/registry.js";
import type { Backlog, DeliveryQueue } from "./queue.js";

/** What the admin API shows per recipient. */
export interface RecipientView {
  platform_id: string;
  name: string;
  status: string;
  pending: number;
  in_flight: number;
  retrying: number;
  dropped: number;
  delivered: number;
  last_error: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  failing_since: string | null;
  offline_since: string | null;
}

/**
 * One recipient as this instance delivers to it: what it counted since its
 * last flush to the recipient's row, and how the recipient is failing.
 */
export interface Counters {
  delivered: number;
  dropped: number;
  /** The object keys waiting out a retry delay. */
  retrying: Set<string>;
  lastError?: string;
  lastErrorAt?: Date;
  lastSuccessAt?: Date;
  /** The first failure since the last success; past the window the recipient goes OFFLINE. */
  failingSince?: Date;
  /** Something changed since the last flush. */
  dirty: boolean;
  goingOffline: boolean;
}

/** Counters that carry on from the recipient's row, as the previous owner left it. */
export function newCounters(row?: DeliveryRecipientRow): Counters {
  return {
    delivered: 0,
    dropped: 0,
    retrying: new Set(),
    failingSince: row?.failingSince ?? undefined,
    lastError: row?.lastError ?? undefined,
    lastErrorAt: row?.lastErrorAt ?? undefined,
    lastSuccessAt: row?.lastSuccessAt ?? undefined,
    dirty: false,
    goingOffline: false,
  };
}

/**
 * Flushes and views of one database take turns: a flush moves counts from
 * memory to the rows, and a view that read the rows before it and the
 * counters after it would count those twice or not at all.
 */
const turns = new WeakMap<Database, Promise<unknown>>();

export function inTurn<T>(db: Database, work: () => Promise<T>): Promise<T> {
  const previous = turns.get(db) ?? Promise.resolve();
  const next = previous.then(work, work);
  turns.set(
    db,
    next.catch(() => {}),
  );
  return next;
}

/** Adds what was counted to each recipient's row, in one statement. */
export function flushCounters(
  db: Database,
  entries: Iterable<readonly [string, Counters]>,
): Promise<void> {
  const list = [...entries];
  return inTurn(db, () => flush(db, list));
}

async function flush(db: Database, entries: (readonly [string, Counters])[]): Promise<void> {
  const rows: { id: string; delivered: number; dropped: number; [k: string]: unknown }[] = [];
  const flushed: Counters[] = [];
  for (const [id, c] of entries) {
    if (!c.dirty) continue;
    c.dirty = false;
    flushed.push(c);
    rows.push({
      id,
      delivered: c.delivered,
      dropped: c.dropped,
      retrying: c.retrying.size,
      last_error: c.lastError ?? null,
      last_error_at: c.lastErrorAt?.toISOString() ?? null,
      last_success_at: c.lastSuccessAt?.toISOString() ?? null,
      failing_since: c.failingSince?.toISOString() ?? null,
    });
  }
  if (rows.length === 0) return;
  try {
    await db.execute(sql`
      update delivery_recipients r set
        delivered = r.delivered + v.delivered,
        dropped = r.dropped + v.dropped,
        retrying = v.retrying,
        last_error = v.last_error,
        last_error_at = v.last_error_at,
        last_success_at = v.last_success_at,
        failing_since = v.failing_since
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
        id text, delivered bigint, dropped bigint, retrying int, last_error text,
        last_error_at timestamptz, last_success_at timestamptz, failing_since timestamptz)
      where r.platform_id = v.id`);
  } catch (err) {
    for (const c of flushed) c.dirty = true;
    throw err;
  }
  // Only what was written leaves memory, so the admin view never counts less meanwhile.
  flushed.forEach((c, i) => {
    const row = rows[i] as { delivered: number; dropped: number };
    c.delivered -= row.delivered;
    c.dropped -= row.dropped;
  });
}

/**
 * Every platform as a recipient: its queue's backlog, and its row's counts
 * plus what this instance counted and has not flushed yet.
 */
export async function recipientsView(
  d: { db: Database; registry: Registry; queue: DeliveryQueue },
  held: ReadonlyMap<string, { readonly counters: Counters }>,
): Promise<RecipientView[]> {
  // The rows and the counters are read in one turn, with no flush between them.
  const [rows, counters] = await inTurn(d.db, async () => {
    const rows = await d.db.select().from(deliveryRecipients);
    const counters = new Map(
      [...held].map(([id, w]) => [
        id,
        { delivered: w.counters.delivered, dropped: w.counters.dropped },
      ]),
    );
    return [rows, counters] as const;
  });
  const byId = new Map(rows.map((r) => [r.platformId, r]));
  const list = d.registry.list().sort((a, b) => a.seq - b.seq);
  const backlogs = await Promise.all(
    list.map((p) => d.queue.backlog(p.id).catch((): Backlog => ({ pending: -1, inFlight: -1 }))),
  );
  return list.map((p, i): RecipientView => {
    const r = byId.get(p.id);
    const c = held.get(p.id)?.counters;
    const counted = counters.get(p.id);
    const b = backlogs[i] as Backlog;
    return {
      platform_id: p.id,
      name: p.name,
      status: p.status,
      pending: b.pending,
      in_flight: b.inFlight,
      retrying: c?.retrying.size ?? r?.retrying ?? 0,
      dropped: (r?.dropped ?? 0) + (counted?.dropped ?? 0),
      delivered: (r?.delivered ?? 0) + (counted?.delivered ?? 0),
      last_error: c?.lastError ?? r?.lastError ?? null,
      last_error_at: (c?.lastErrorAt ?? r?.lastErrorAt)?.toISOString() ?? null,
      last_success_at: (c?.lastSuccessAt ?? r?.lastSuccessAt)?.toISOString() ?? null,
      failing_since: (c ? c.failingSince : r?.failingSince)?.toISOString() ?? null,
      offline_since: r?.offlineSince?.toISOString() ?? null,
    };
  });
}
