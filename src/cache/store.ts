import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  inArray,
  lt,
  notInArray,
  type SQL,
  sql,
} from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  type CacheSyncRow,
  cacheCounts,
  cacheSyncs,
  evseStatuses,
  locations,
  type SyncTrigger,
  tariffs,
} from "../db/schema/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import {
  applyLocationPush,
  isOlder,
  isStatusOnly,
  type Json,
  overlay,
  type StatusOverlay,
  type Target,
} from "./apply.js";

export type CachedModule = "locations" | "tariffs";

/** A list request against the cache (transport_and_format: Paginated Request). */
export interface ListQuery {
  offset: number;
  limit: number;
  dateFrom: string | undefined;
  dateTo: string | undefined;
  /** Platforms whose objects nobody sees now (not connected, suspended). */
  hidden: readonly string[];
}

/** A page of objects as JSON texts, ready to be joined into a response, and the total. */
export interface ListPage {
  items: string[];
  total: number;
}

/** A cached object with the party that owns it. */
export interface Owned {
  owner: PartyRef;
  doc: Json;
}

export interface LocationPush {
  platformId: string;
  owner: PartyRef;
  locationId: string;
  method: "PUT" | "PATCH";
  target: Target;
  body: Json;
}

/** An object a sync brought: written unless the cache holds a newer state. */
export interface Pulled {
  owner: PartyRef;
  id: string;
  doc: Json;
}

const key = (p: PartyRef) => ({
  countryCode: p.countryCode.toUpperCase(),
  partyId: p.partyId.toUpperCase(),
});

const timestampOf = (value: unknown) => new Date(String(value));

/** Beyond this many remembered EVSEs the memory starts over. */
const KNOWN_EVSES_MAX = 1_000_000;

const evseKey = (owner: PartyRef, locationId: string, uid: string) =>
  `${owner.countryCode}*${owner.partyId}*${locationId}*${uid}`.toUpperCase();

/** `[{evseUid, status, lastUpdated}]` as json text, aggregated per location. */
const statusesOf = sql<
  string | null
>`(select json_agg(json_build_object('evseUid', s.evse_uid, 'status', s.status, 'lastUpdated', s.last_updated))::text from ${evseStatuses} s where s.location_seq = ${locations.seq})`;

function withStatuses(data: string, statuses: string | null): string {
  if (statuses === null) return data;
  return JSON.stringify(overlay(JSON.parse(data) as Json, JSON.parse(statuses) as StatusOverlay[]));
}

/** Every read and write of the location and tariff cache; callers hold no SQL. */
export function createCacheStore(db: Database) {
  /**
   * EVSEs this instance has seen in the cache (by sync, push or status
   * change), so a status change of one of them can be forwarded while it is
   * written instead of after. Only hits are kept; a miss asks the database.
   */
  const knownEvses = new Set<string>();
  const remember = (owner: PartyRef, locationId: string, doc: Json | undefined) => {
    if (knownEvses.size >= KNOWN_EVSES_MAX) knownEvses.clear();
    const evses = Array.isArray(doc?.evses) ? (doc.evses as Json[]) : [];
    for (const e of evses) {
      if (typeof e.uid === "string") knownEvses.add(evseKey(owner, locationId, e.uid));
    }
  };

  function locationFilter(q: ListQuery): SQL | undefined {
    return and(
      eq(locations.published, true),
      q.hidden.length > 0 ? notInArray(locations.platformId, [...q.hidden]) : undefined,
      q.dateFrom !== undefined ? gte(locations.lastUpdated, new Date(q.dateFrom)) : undefined,
      q.dateTo !== undefined ? lt(locations.lastUpdated, new Date(q.dateTo)) : undefined,
    );
  }

  function tariffFilter(q: ListQuery): SQL | undefined {
    return and(
      q.hidden.length > 0 ? notInArray(tariffs.platformId, [...q.hidden]) : undefined,
      q.dateFrom !== undefined ? gte(tariffs.lastUpdated, new Date(q.dateFrom)) : undefined,
      q.dateTo !== undefined ? lt(tariffs.lastUpdated, new Date(q.dateTo)) : undefined,
    );
  }

  const dbNow = sql`now()`;

  /**
   * X-Total-Count: without date filters the sum of the per-platform counts
   * the triggers keep; with them, a count over the last_updated index.
   */
  async function totalOf(
    tx: Pick<Database, "select">,
    module: CachedModule,
    q: ListQuery,
    where: SQL | undefined,
  ) {
    if (q.dateFrom === undefined && q.dateTo === undefined) {
      const [row] = await tx
        .select({ n: sql<string>`coalesce(sum(${cacheCounts.n}), 0)` })
        .from(cacheCounts)
        .where(
          and(
            eq(cacheCounts.module, module),
            q.hidden.length > 0 ? notInArray(cacheCounts.platformId, [...q.hidden]) : undefined,
          ),
        );
      return Number(row?.n ?? 0);
    }
    const table = module === "locations" ? locations : tariffs;
    const [row] = await tx.select({ n: count() }).from(table).where(where);
    return Number(row?.n ?? 0);
  }

  /** A list's page and total from one snapshot; locations come with their EVSE statuses laid over. */
  function listPage(module: CachedModule, q: ListQuery, where: SQL | undefined): Promise<ListPage> {
    const table = module === "locations" ? locations : tariffs;
    const statuses = module === "locations" ? statusesOf : sql<string | null>`null`;
    return db.transaction(async (tx) => {
      const total = await totalOf(tx, module, q, where);
      const window = scanWindow(q, total);
      if (window === undefined) return { items: [], total };
      // The page's keys come from the list index alone; only those rows are read in full.
      const page = tx
        .select({ seq: table.seq })
        .from(table)
        .where(where)
        .orderBy(window.backwards ? desc(table.seq) : asc(table.seq))
        .limit(window.limit)
        .offset(window.offset)
        .as("page");
      const rows = await tx
        .select({ data: sql<string>`${table.data}::text`, statuses })
        .from(page)
        .innerJoin(table, eq(table.seq, page.seq))
        .orderBy(asc(table.seq));
      return { items: rows.map((r) => withStatuses(r.data, r.statuses)), total };
    }, SNAPSHOT);
  }

  return {
    /** A page of published locations of every visible CPO, in the order they were first cached. */
    locationPage: (q: ListQuery) => listPage("locations", q, locationFilter(q)),

    /** A page of tariffs of every visible CPO, in the order they were first cached. */
    tariffPage: (q: ListQuery) => listPage("tariffs", q, tariffFilter(q)),

    /**
     * The locations with this id, of one owner or of any; with `published`
     * they must be listed for everyone.
     */
    async locationsWithId(
      id: string,
      options: { owner?: PartyRef; hidden: readonly string[]; published: boolean },
    ): Promise<Owned[]> {
      const owner = options.owner && key(options.owner);
      const rows = await db
        .select({
          countryCode: locations.countryCode,
          partyId: locations.partyId,
          data: sql<string>`${locations.data}::text`,
          statuses: statusesOf,
        })
        .from(locations)
        .where(
          and(
            eq(locations.locationId, id.toUpperCase()),
            owner && eq(locations.countryCode, owner.countryCode),
            owner && eq(locations.partyId, owner.partyId),
            options.published ? eq(locations.published, true) : undefined,
            options.hidden.length > 0
              ? notInArray(locations.platformId, [...options.hidden])
              : undefined,
          ),
        )
        .orderBy(asc(locations.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.countryCode, partyId: r.partyId },
        doc: JSON.parse(withStatuses(r.data, r.statuses)) as Json,
      }));
    },

    /** The CPOs with a cached location of this id (open routing by location). */
    async locationOwners(id: string): Promise<PartyRef[]> {
      return db
        .select({ countryCode: locations.countryCode, partyId: locations.partyId })
        .from(locations)
        .where(eq(locations.locationId, id.toUpperCase()));
    },

    /** The tariffs with this id, of one owner or of any. */
    async tariffsWithId(
      id: string,
      options: { owner?: PartyRef; hidden: readonly string[] },
    ): Promise<Owned[]> {
      const owner = options.owner && key(options.owner);
      const rows = await db
        .select({
          countryCode: tariffs.countryCode,
          partyId: tariffs.partyId,
          data: tariffs.data,
        })
        .from(tariffs)
        .where(
          and(
            eq(tariffs.tariffId, id.toUpperCase()),
            owner && eq(tariffs.countryCode, owner.countryCode),
            owner && eq(tariffs.partyId, owner.partyId),
            options.hidden.length > 0
              ? notInArray(tariffs.platformId, [...options.hidden])
              : undefined,
          ),
        )
        .orderBy(asc(tariffs.seq));
      return rows.map((r) => ({
        owner: { countryCode: r.countryCode, partyId: r.partyId },
        doc: r.data as Json,
      }));
    },

    /**
     * Applies a CPO's PUT or PATCH of a location, EVSE or connector
     * (locations: Receiver interface). An EVSE status change is written
     * beside the document; anything else folds those in and rewrites it.
     */
    async pushLocation(push: LocationPush): Promise<PushOutcome> {
      const owner = key(push.owner);
      const id = push.locationId.toUpperCase();
      const names = { location: `${owner.countryCode}/${owner.partyId}/${push.locationId}` };
      if (isStatusOnly(push.method, push.target, push.body)) {
        const k = evseKey(owner, id, push.target.evseUid as string);
        const outcome = await pushStatus(db, owner, id, push, names.location);
        if (outcome.kind === "unknown") knownEvses.delete(k);
        else knownEvses.add(k);
        return outcome;
      }
      for (let attempt = 0; ; attempt++) {
        const outcome = await db.transaction(async (tx) => {
          const [row] = await tx
            .select({ seq: locations.seq, data: locations.data, statuses: statusesOf })
            .from(locations)
            .where(
              and(
                eq(locations.countryCode, owner.countryCode),
                eq(locations.partyId, owner.partyId),
                eq(locations.locationId, id),
              ),
            )
            .for("update", { of: locations });
          const statuses =
            row?.statuses == null ? [] : (JSON.parse(row.statuses) as StatusOverlay[]);
          const current = row && overlay(row.data as Json, statuses);
          const result = applyLocationPush(current, push.method, push.target, push.body, names);
          if (result.kind !== "applied") return result;
          const doc = result.doc;
          const lastUpdated = timestampOf(doc.last_updated);
          if (row === undefined) {
            const inserted = await tx
              .insert(locations)
              .values({
                platformId: push.platformId,
                countryCode: owner.countryCode,
                partyId: owner.partyId,
                locationId: id,
                lastUpdated,
                published: doc.publish !== false,
                refreshedAt: dbNow,
                data: doc,
              })
              .onConflictDoNothing()
              .returning({ seq: locations.seq });
            // Another request created it meanwhile: apply this one on top of it.
            return inserted.length === 1 ? result : undefined;
          }
          await tx
            .update(locations)
            .set({
              platformId: push.platformId,
              lastUpdated,
              published: doc.publish !== false,
              refreshedAt: dbNow,
              data: doc,
            })
            .where(eq(locations.seq, row.seq));
          if (statuses.length > 0)
            await tx.delete(evseStatuses).where(eq(evseStatuses.locationSeq, row.seq));
          return result;
        });
        if (outcome?.kind === "applied") remember(owner, id, outcome.doc);
        if (outcome !== undefined) return outcome;
        if (attempt > 0) throw new Error(`location ${names.location} keeps changing under a push`);
      }
    },

    /** A CPO's PUT of a tariff; "stale" when the cache holds a newer one. */
    async putTariff(
      platformId: string,
      owner: PartyRef,
      tariffId: string,
      doc: Json,
    ): Promise<"applied" | "stale"> {
      const written = await pushTariff(db, platformId, { owner, id: tariffId, doc });
      return written > 0 ? "applied" : "stale";
    },

    /** A CPO's DELETE of a tariff. */
    async deleteTariff(owner: PartyRef, tariffId: string): Promise<void> {
      const k = key(owner);
      await db
        .delete(tariffs)
        .where(
          and(
            eq(tariffs.countryCode, k.countryCode),
            eq(tariffs.partyId, k.partyId),
            eq(tariffs.tariffId, tariffId.toUpperCase()),
          ),
        );
    },

    /** True when this instance has seen that EVSE in the cache. */
    knowsEvse: (owner: PartyRef, locationId: string, uid: string) =>
      knownEvses.has(evseKey(owner, locationId, uid)),

    /** Writes what a sync pulled; returns how many objects changed. */
    async upsertLocations(platformId: string, pulled: readonly Pulled[]): Promise<number> {
      const written = await upsertPulled(db, "locations", platformId, pulled);
      for (const p of pulled) remember(p.owner, p.id, p.doc);
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
      const table = module === "locations" ? locations : tariffs;
      const started = sql`(select ${cacheSyncs.startedAt} from ${cacheSyncs} where ${cacheSyncs.platformId} = ${platformId})`;
      const removed = await db
        .delete(table)
        .where(and(eq(table.platformId, platformId), lt(table.refreshedAt, started)))
        .returning({ seq: table.seq });
      return removed.length;
    },

    /**
     * Claims a platform for a sync: true unless one is running whose
     * instance still beats (an instance that died leaves it after `staleMs`).
     */
    async claimSync(
      platformId: string,
      trigger: SyncTrigger,
      instanceId: string,
      staleMs: number,
    ): Promise<boolean> {
      const fresh = {
        status: "RUNNING" as const,
        trigger,
        instanceId,
        startedAt: dbNow,
        heartbeatAt: dbNow,
        finishedAt: null,
        pages: 0,
        locations: 0,
        tariffs: 0,
        skipped: 0,
        removed: 0,
        error: null,
      };
      const rows = await db
        .insert(cacheSyncs)
        .values({ platformId, ...fresh })
        .onConflictDoUpdate({
          target: cacheSyncs.platformId,
          set: fresh,
          setWhere: sql`${cacheSyncs.status} <> 'RUNNING' or ${cacheSyncs.heartbeatAt} < now() - make_interval(secs => ${staleMs / 1000})`,
        })
        .returning({ platformId: cacheSyncs.platformId });
      return rows.length === 1;
    },

    /** Adds to a running sync's counters and beats its heart. */
    async syncProgress(
      platformId: string,
      add: { pages?: number; locations?: number; tariffs?: number; skipped?: number },
    ): Promise<void> {
      await db
        .update(cacheSyncs)
        .set({
          pages: sql`${cacheSyncs.pages} + ${add.pages ?? 0}`,
          locations: sql`${cacheSyncs.locations} + ${add.locations ?? 0}`,
          tariffs: sql`${cacheSyncs.tariffs} + ${add.tariffs ?? 0}`,
          skipped: sql`${cacheSyncs.skipped} + ${add.skipped ?? 0}`,
          heartbeatAt: dbNow,
        })
        .where(eq(cacheSyncs.platformId, platformId));
    },

    async finishSync(
      platformId: string,
      outcome: { removed: number; error?: string },
    ): Promise<void> {
      await db
        .update(cacheSyncs)
        .set({
          status: outcome.error === undefined ? "SUCCEEDED" : "FAILED",
          removed: outcome.removed,
          error: outcome.error ?? null,
          finishedAt: dbNow,
          heartbeatAt: dbNow,
        })
        .where(eq(cacheSyncs.platformId, platformId));
    },

    async syncOf(platformId: string): Promise<CacheSyncRow | undefined> {
      const [row] = await db.select().from(cacheSyncs).where(eq(cacheSyncs.platformId, platformId));
      return row;
    },

    async syncsOf(platformIds: readonly string[]): Promise<Map<string, CacheSyncRow>> {
      if (platformIds.length === 0) return new Map();
      const rows = await db
        .select()
        .from(cacheSyncs)
        .where(inArray(cacheSyncs.platformId, [...platformIds]));
      return new Map(rows.map((r) => [r.platformId, r]));
    },

    /** Objects in the cache, for the metrics. */
    async counts(): Promise<{ locations: number; tariffs: number }> {
      const [[l], [t]] = await Promise.all([
        db.select({ n: count() }).from(locations),
        db.select({ n: count() }).from(tariffs),
      ]);
      return { locations: Number(l?.n ?? 0), tariffs: Number(t?.n ?? 0) };
    },
  };
}

export type CacheStore = ReturnType<typeof createCacheStore>;

/** What a push did to the cache. */
export type PushOutcome =
  | { kind: "applied" }
  | { kind: "stale" }
  | { kind: "unknown"; what: string };

/** A list's total and page come from one snapshot, so they agree while CPOs write. */
const SNAPSHOT = { isolationLevel: "repeatable read", accessMode: "read only" } as const;

/**
 * Which rows of the list index a page needs. Skipping `offset` entries
 * costs in proportion to the offset, so a page past the middle is read
 * from the end backwards: the last page of 100,000 skips nothing.
 */
export function scanWindow(
  q: Pick<ListQuery, "offset" | "limit">,
  total: number,
): { offset: number; limit: number; backwards: boolean } | undefined {
  const end = Math.min(q.offset + q.limit, total);
  if (q.limit === 0 || q.offset >= end) return undefined;
  if (q.offset <= total - end) return { offset: q.offset, limit: end - q.offset, backwards: false };
  return { offset: total - end, limit: end - q.offset, backwards: true };
}

/** Rows of a raw statement, whichever driver ran it. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * An EVSE status change in one statement: the location row is locked, the
 * EVSE looked up and compared in its document and its status row, and the
 * status row and the location's last_updated written, or nothing when the
 * change is older than what the cache holds.
 */
async function pushStatus(
  db: Database,
  owner: PartyRef,
  locationId: string,
  push: LocationPush,
  location: string,
): Promise<PushOutcome> {
  const uid = (push.target.evseUid as string).toUpperCase();
  const stamp = String(push.body.last_updated);
  const result = await db.execute(sql`
    with loc as (
      select l.seq,
        (select e->>'last_updated' from jsonb_array_elements(l.data->'evses') e
          where upper(e->>'uid') = ${uid} limit 1) as doc_lu,
        (select s.last_updated from ${evseStatuses} s
          where s.location_seq = l.seq and s.evse_uid = ${uid}) as overlay_lu
      from ${locations} l
      where l.country_code = ${owner.countryCode} and l.party_id = ${owner.partyId}
        and l.location_id = ${locationId}
      for update of l
    ),
    ok as (
      select seq from loc
      where doc_lu is not null
        and greatest(doc_lu::timestamptz, coalesce(overlay_lu::timestamptz, '-infinity'::timestamptz))
          <= ${stamp}::timestamptz
    ),
    status as (
      insert into ${evseStatuses} (location_seq, evse_uid, status, last_updated)
      select seq, ${uid}, ${String(push.body.status)}, ${stamp} from ok
      on conflict (location_seq, evse_uid)
        do update set status = excluded.status, last_updated = excluded.last_updated
    ),
    lifted as (
      update ${locations} set
        last_updated = greatest(${locations}.last_updated, ${stamp}::timestamptz),
        refreshed_at = now()
      where seq in (select seq from ok)
    )
    select (select count(*) from loc)::int as found,
      (select count(*) from loc where doc_lu is not null)::int as evse,
      (select count(*) from ok)::int as applied`);
  const [row] = rowsOf<{ found: number; evse: number; applied: number }>(result);
  if (row === undefined || Number(row.found) === 0)
    return { kind: "unknown", what: `location ${location}` };
  if (Number(row.evse) === 0)
    return { kind: "unknown", what: `EVSE ${push.target.evseUid} of location ${location}` };
  return Number(row.applied) > 0 ? { kind: "applied" } : { kind: "stale" };
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
  const isLocations = module === "locations";
  const table = isLocations ? locations : tariffs;
  const idColumn = sql.raw(isLocations ? "location_id" : "tariff_id");
  const rewrite = sql.raw(
    "excluded.last_updated > o.last_updated or (excluded.last_updated = o.last_updated and excluded.data is distinct from o.data)",
  );
  const published = isLocations
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

/** Rows a write touched, as either driver reports it. */
function rowCount(result: unknown, fallback: number): number {
  const r = result as { count?: number; affectedRows?: number };
  return Number(r.count ?? r.affectedRows ?? fallback);
}

/** A CPO's PUT of a tariff: written unless the cache holds a newer one; rows written. */
async function pushTariff(db: Database, platformId: string, pushed: Pulled): Promise<number> {
  const owner = key(pushed.owner);
  const rows = await db
    .insert(tariffs)
    .values({
      platformId,
      countryCode: owner.countryCode,
      partyId: owner.partyId,
      tariffId: pushed.id.toUpperCase(),
      lastUpdated: timestampOf(pushed.doc.last_updated),
      refreshedAt: sql`now()`,
      data: pushed.doc,
    })
    .onConflictDoUpdate({
      target: [tariffs.countryCode, tariffs.partyId, tariffs.tariffId],
      set: {
        platformId,
        refreshedAt: sql`now()`,
        data: sql`excluded.data`,
        lastUpdated: sql`excluded.last_updated`,
      },
      setWhere: sql`excluded.last_updated >= ${tariffs.lastUpdated}`,
    })
    .returning({ seq: tariffs.seq });
  return rows.length;
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
