// The pages a sync pulls, written into the cache, and what a sync leaves behind removed.
import { and, eq, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { cacheSyncs } from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import { isOlder, type Json } from "./apply.js";
import {
  CACHE_TABLES,
  type CachedModule,
  type KnownEvses,
  rememberEvses,
  rowCount,
} from "./store-shared.js";

/** An object a sync brought: written unless the cache holds a newer state. */
export interface Pulled {
  owner: PartyRef;
  id: string;
  doc: Json;
}

/** A sync's writes; every pulled location's EVSEs are remembered in `knownEvses`. */
export function cachePulls(db: Database, knownEvses: KnownEvses) {
  return {
    /** Writes what a sync pulled; returns how many objects changed. */
    async upsertLocations(platformId: string, pulled: readonly Pulled[]): Promise<number> {
      const written = await upsertPulled(db, "locations", platformId, pulled);
      for (const p of pulled) rememberEvses(knownEvses, p.owner, p.id, p.doc);
      return written;
    },
    upsertTariffs: (platformId: string, pulled: readonly Pulled[]) =>
      upsertPulled(db, "tariffs", platformId, pulled),

    /**
     * Removes a platform's objects that were neither pulled nor pushed since
     * the sync began: the CPO no longer has them (locations: GET List, "all
     * pages together are the full truth").
     */
    async removeUnrefreshed(module: CachedModule, platformId: string): Promise<number> {
      const { table } = CACHE_TABLES[module];
      const started = sql`(select ${cacheSyncs.startedAt} from ${cacheSyncs} where ${cacheSyncs.platformId} = ${platformId})`;
      const removed = await db
        .delete(table)
        .where(and(eq(table.platformId, platformId), lt(table.refreshedAt, started)))
        .returning({ seq: table.seq });
      return removed.length;
    },
  };
}

/**
 * Writes a page a sync pulled, as one statement with the page as one JSON
 * parameter (no per-value mapping in the hub). Every row is refreshed; a
 * document is rewritten only when the pulled one is newer, or as new and
 * different, so a re-sync of an unchanged CPO writes no documents.
 * Locations also carry their publication.
 */
async function upsertPulled(
  db: Database,
  module: CachedModule,
  platformId: string,
  pulled: readonly Pulled[],
): Promise<number> {
  if (pulled.length === 0) return 0;
  const docs = JSON.stringify(dedupe(pulled).map((p) => p.doc));
  const { table, published: publishes } = CACHE_TABLES[module];
  const idColumn = sql.raw(CACHE_TABLES[module].idColumn);
  const rewrite = sql.raw(
    "excluded.last_updated > o.last_updated or (excluded.last_updated = o.last_updated and excluded.data is distinct from o.data)",
  );
  const published = publishes
    ? {
        column: sql`, published`,
        value: sql`, coalesce((d->>'publish')::boolean, true)`,
        update: sql`, published = case when ${rewrite} then excluded.published else o.published end`,
      }
    : { column: sql``, value: sql``, update: sql`` };
  const result = await db.execute(sql`
    insert into ${table} as o
      (platform_id, country_code, party_id, ${idColumn}, last_updated, refreshed_at, data${published.column})
    select ${platformId}, upper(d->>'country_code'), upper(d->>'party_id'), upper(d->>'id'),
      (d->>'last_updated')::timestamptz, now(), d${published.value}
    from jsonb_array_elements(${docs}::jsonb) d
    on conflict (country_code, party_id, ${idColumn}) do update set
      platform_id = excluded.platform_id,
      refreshed_at = excluded.refreshed_at,
      data = case when ${rewrite} then excluded.data else o.data end,
      last_updated = greatest(excluded.last_updated, o.last_updated)${published.update}`);
  return rowCount(result, pulled.length);
}

/** One row per key in a statement (ON CONFLICT cannot touch a row twice); the newest wins. */
function dedupe(pulled: readonly Pulled[]): Pulled[] {
  const byKey = new Map<string, Pulled>();
  for (const p of pulled) {
    const k = `${p.owner.countryCode}*${p.owner.partyId}*${p.id}`.toUpperCase();
    const seen = byKey.get(k);
    if (seen === undefined || !isOlder(p.doc.last_updated, seen.doc.last_updated)) byKey.set(k, p);
  }
  return [...byKey.values()];
}
