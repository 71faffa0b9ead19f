import { gte, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { deliveryMinutes } from "../db/schema/index.js";
import {
  MINUTE_MS,
  type MinuteCount,
  minuteOf,
  type PerMinute,
  seriesOf,
} from "../metrics/per-minute.js";
import { inTurn } from "./stats.js";

/** Minutes kept in delivery_minutes. */
const KEPT_MINUTES = 24 * 60;

/** Minutes the console's chart draws. */
const CHART_MINUTES = 60;

/**
 * Adds this instance's unwritten counts to the shared minutes, in one
 * statement, then takes them out of memory; minutes older than a day are
 * deleted when a new minute has begun. Takes turns with the view, as the
 * recipients' counters do (stats.ts), so that no count is seen twice or
 * missed while it moves.
 */
export function flushMinutes(db: Database, perMinute: PerMinute, now = Date.now()): Promise<void> {
  return inTurn(db, async () => {
    const counts = perMinute.unflushed();
    if (counts.length === 0) return;
    const rows = counts.map((c) => ({ ...c, minute: new Date(c.minute).toISOString() }));
    await db.execute(sql`
      insert into delivery_minutes (minute, delivered, other)
      select v.minute, v.delivered, v.other
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(minute timestamptz, delivered bigint, other bigint)
      on conflict (minute) do update set
        delivered = delivery_minutes.delivered + excluded.delivered,
        other = delivery_minutes.other + excluded.other`);
    perMinute.written(counts);
    if (counts.some((c) => c.minute === minuteOf(now))) await dropOld(db, now);
  });
}

/** The newest minute a deletion ran for, per database: once a minute is enough. */
const dropped = new WeakMap<Database, number>();

async function dropOld(db: Database, now: number): Promise<void> {
  const minute = minuteOf(now);
  if (dropped.get(db) === minute) return;
  dropped.set(db, minute);
  await db
    .delete(deliveryMinutes)
    .where(lt(deliveryMinutes.minute, new Date(minute - KEPT_MINUTES * MINUTE_MS)));
}

/**
 * Delivery attempts per minute over the last hour, every instance's: the
 * shared minutes plus what this instance counted and has not written yet
 * (another instance's last second arrives with its next flush).
 */
export function minutesView(
  db: Database,
  perMinute: PerMinute,
  now = Date.now(),
): Promise<MinuteCount[]> {
  return inTurn(db, async () => {
    const from = new Date(minuteOf(now) - (CHART_MINUTES - 1) * MINUTE_MS);
    const rows = await db.select().from(deliveryMinutes).where(gte(deliveryMinutes.minute, from));
    const shared = rows.map((r) => ({
      minute: r.minute.getTime(),
      delivered: r.delivered,
      other: r.other,
    }));
    return seriesOf([...shared, ...perMinute.unflushed()], now, CHART_MINUTES);
  });
}
