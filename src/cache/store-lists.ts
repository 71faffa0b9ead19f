// List pages of the cache with their totals, and the object counts for the metrics.
import {
  and,
  asc,
  type Column,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  lt,
  notInArray,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { type Database, rowsOf } from "../db/client.js";
import { cacheCounts, cachedTokens, locations, tariffs } from "../db/schema/index.js";
import { type PartyRef, upperParty } from "../ocpi/parties.js";
import { allowedToSql } from "./publication.js";
import { CACHE_TABLES, type CachedModule, withStatuses } from "./store-shared.js";

/** A list request against the cache (transport_and_format: Paginated Request). */
export interface ListQuery {
  offset: number;
  limit: number;
  dateFrom: string | undefined;
  dateTo: string | undefined;
  /** Platforms whose objects nobody sees now (not connected, suspended). */
  hidden: readonly string[];
  /**
   * The reading platform: unpublished locations whose publish_allowed_to
   * matches one of its tokens are listed to it too.
   */
  viewer?: string;
  /** When set, only these parties' objects (the reader's roaming partners). */
  owners?: readonly PartyRef[];
  /**
   * The list key of the previous page's last object (a keyset cursor, from
   * the Link the hub gave): the page starts after it instead of skipping
   * `offset` objects, so a deep page costs what the first does.
   */
  after?: number;
}

/**
 * The owners as two text-array literals, country codes and party ids in
 * the same order, for `unnest`. A reader's partner list is one array per
 * registry snapshot (agreements.ts), so its texts are made once, not on
 * every page.
 */
const ownerArrays = new WeakMap<readonly PartyRef[], { codes: string; ids: string }>();
function ownerParams(owners: readonly PartyRef[]): { codes: string; ids: string } {
  let params = ownerArrays.get(owners);
  if (params === undefined) {
    const parties = owners.map(upperParty);
    params = {
      codes: arrayLiteral(parties.map((o) => o.countryCode)),
      ids: arrayLiteral(parties.map((o) => o.partyId)),
    };
    ownerArrays.set(owners, params);
  }
  return params;
}

/** A PostgreSQL array literal of texts, each element quoted. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}

/** Rows of the owners only (for the few unpublished ones; a page uses ownedSeqs). */
function ownedBy(
  table: { countryCode: Column; partyId: Column },
  owners: readonly PartyRef[],
): SQL {
  if (owners.length === 0) return sql`false`;
  return sql`(${table.countryCode}, ${table.partyId}) in (select c, p from ${ownerRows(owners)})`;
}

/** The owners as rows (c, p): a reader's roaming partners. */
function ownerRows(owners: readonly PartyRef[]): SQL {
  const { codes, ids } = ownerParams(owners);
  return sql`unnest(${codes}::text[], ${ids}::text[]) as owner (c, p)`;
}

/**
 * The seq of every row in `where` that one of the owners holds: for each
 * owner, a probe of the table's owner key (country_code, party_id, …).
 * A reader's partners cost about as many index probes as they are,
 * whatever the size of the cache, and the lateral join leaves the planner
 * no other order, even in a plan made once for a prepared statement.
 */
function ownedSeqs(
  table: (typeof CACHE_TABLES)[CachedModule]["table"],
  owners: readonly PartyRef[],
  where: SQL | undefined,
): SQL {
  const own = and(sql`${table.countryCode} = owner.c`, sql`${table.partyId} = owner.p`, where);
  return sql`${ownerRows(owners)} cross join lateral (select ${table.seq} as seq from ${table} where ${own}) owned`;
}

/** A page of objects as JSON texts, ready to be joined into a response, and the total. */
export interface ListPage {
  items: string[];
  total: number;
  /** The list key of the page's last object: the cursor of the next page. */
  last?: number;
  /**
   * Read after a cursor: whether objects follow the page (the offset, a
   * position counted before deletes may have moved things, cannot say).
   */
  more?: boolean;
}

/** The rows of visible platforms within the date filters (the reader's partners: ownedSeqs). */
function rangeFilter(
  table: (typeof CACHE_TABLES)[CachedModule]["table"],
  q: ListQuery,
): SQL | undefined {
  return and(
    q.hidden.length > 0 ? notInArray(table.platformId, [...q.hidden]) : undefined,
    q.dateFrom !== undefined ? gte(table.lastUpdated, new Date(q.dateFrom)) : undefined,
    q.dateTo !== undefined ? lt(table.lastUpdated, new Date(q.dateTo)) : undefined,
  );
}

/**
 * The unpublished locations listed to the viewer besides the published
 * ones: those whose publish_allowed_to matches one of its tokens (see
 * publication.ts). A viewer without tokens costs one look-up.
 */
async function unpublishedFor(tx: Pick<Database, "select">, q: ListQuery): Promise<number[]> {
  if (q.viewer === undefined) return [];
  const rows = await tx
    .select({ seq: locations.seq })
    .from(locations)
    .where(
      and(
        sql`not ${locations.published}`,
        sql`exists (select 1 from ${cachedTokens} where ${cachedTokens.platformId} = ${q.viewer})`,
        rangeFilter(locations, q),
        q.owners === undefined ? undefined : ownedBy(locations, q.owners),
        allowedToSql(sql`${locations.data}`, q.viewer),
      ),
    )
    .orderBy(asc(locations.seq));
  return rows.map((r) => r.seq);
}

/**
 * X-Total-Count of a list that is not a reader's partners' (see
 * partnersPage): without date filters the sum of the per-platform counts
 * the triggers keep; with them, a count over the table's indexes.
 */
async function totalOf(
  tx: Pick<Database, "select">,
  module: CachedModule,
  q: ListQuery,
  where: SQL | undefined,
  extra: number,
) {
  if (q.dateFrom !== undefined || q.dateTo !== undefined) return countOf(tx, module, where);
  const [row] = await tx
    .select({ n: sql<string>`coalesce(sum(${cacheCounts.n}), 0)` })
    .from(cacheCounts)
    .where(
      and(
        eq(cacheCounts.module, module),
        q.hidden.length > 0 ? notInArray(cacheCounts.platformId, [...q.hidden]) : undefined,
      ),
    );
  return Number(row?.n ?? 0) + extra;
}

/** The rows of `where`, counted over the table's indexes. */
async function countOf(
  tx: Pick<Database, "select">,
  module: CachedModule,
  where: SQL | undefined,
): Promise<number> {
  const { table } = CACHE_TABLES[module];
  const [row] = await tx.select({ n: count() }).from(table).where(where);
  return Number(row?.n ?? 0);
}

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

/**
 * A page of a reader's partners' rows and their total, in one statement:
 * the partners' keys are found through the owner key (ownedSeqs), sorted
 * and counted in one aggregate, and only the page's slice of them is read
 * in full. A page past the end still comes with the total (one row without
 * a document).
 */
async function partnersPage(
  tx: Pick<Database, "execute">,
  module: CachedModule,
  q: ListQuery & { owners: readonly PartyRef[] },
  where: SQL | undefined,
): Promise<ListPage> {
  const { table, statuses } = CACHE_TABLES[module];
  if (q.owners.length === 0) return { items: [], total: 0 };
  // After a cursor, the page is the first `limit` keys past it; otherwise `offset` keys are skipped.
  const keys =
    q.after === undefined
      ? sql`(array_agg(owned.seq order by owned.seq))[${q.offset + 1}::int : ${q.offset + q.limit}::int]`
      : sql`(array_agg(owned.seq order by owned.seq) filter (where owned.seq > ${q.after}::bigint))[1 : ${q.limit + 1}::int]`;
  const result = await tx.execute(sql`
    with page as (
      select ${keys} as seqs, count(*) as total
      from ${ownedSeqs(table, q.owners, where)}
    )
    select ${table.seq} as seq, ${table.data}::text as data, ${statuses} as statuses, page.total
    from page
    left join lateral unnest(page.seqs) as listed (seq) on true
    left join ${table} on ${table.seq} = listed.seq
    order by ${table.seq}`);
  const rows = rowsOf<{
    seq: string | number | null;
    data: string | null;
    statuses: string | null;
    total: string | number;
  }>(result);
  const found = rows.filter((r) => r.data !== null);
  const more = q.after === undefined ? undefined : found.length > q.limit;
  const listed = found.slice(0, q.limit);
  return {
    items: listed.map((r) => withStatuses(r.data as string, r.statuses)),
    total: Number(rows[0]?.total ?? 0),
    last: listed.length === 0 ? undefined : Number(listed[listed.length - 1]?.seq),
    more,
  };
}

/** The list pages and counts of the cache. */
export function cacheLists(db: Database) {
  /**
   * A list's page and total from one snapshot; locations come with their
   * EVSE statuses laid over. The published rows in `where` are counted by
   * cache_counts; the unpublished ones a viewer may see are added to them.
   */
  function listPage(
    module: CachedModule,
    q: ListQuery,
    listed: SQL | undefined,
  ): Promise<ListPage> {
    const { table, statuses } = CACHE_TABLES[module];
    return db.transaction(async (tx) => {
      const extra = CACHE_TABLES[module].published ? await unpublishedFor(tx, q) : [];
      const where =
        extra.length === 0
          ? and(listed, rangeFilter(table, q))
          : and(or(listed, inArray(table.seq, extra)), rangeFilter(table, q));
      const { owners } = q;
      if (owners !== undefined) return partnersPage(tx, module, { ...q, owners }, where);
      const total = await totalOf(tx, module, q, where, extra.length);
      // After a cursor, one key more than the page tells whether another page follows.
      const window =
        q.after === undefined
          ? scanWindow(q, total)
          : q.limit === 0
            ? undefined
            : { offset: 0, limit: q.limit + 1, backwards: false };
      if (window === undefined) return { items: [], total };
      // The page's keys come from the list index alone; only those rows are read in full.
      const page = tx
        .select({ seq: table.seq })
        .from(table)
        .where(q.after === undefined ? where : and(where, gt(table.seq, q.after)))
        .orderBy(window.backwards ? desc(table.seq) : asc(table.seq))
        .limit(window.limit)
        .offset(window.offset)
        .as("page");
      const rows = await tx
        .select({ seq: table.seq, data: sql<string>`${table.data}::text`, statuses })
        .from(page)
        .innerJoin(table, eq(table.seq, page.seq))
        .orderBy(asc(table.seq));
      const shown = rows.slice(0, q.limit);
      const items = shown.map((r) => withStatuses(r.data, r.statuses));
      const more = q.after === undefined ? undefined : rows.length > q.limit;
      return { items, total, last: shown[shown.length - 1]?.seq, more };
    }, SNAPSHOT);
  }

  return {
    /**
     * A page of the locations of every visible CPO the viewer may see
     * (published ones, and unpublished ones its tokens unlock), in the
     * order they were first cached.
     */
    locationPage: (q: ListQuery) => listPage("locations", q, sql`${locations.published}`),

    /** A page of tariffs of every visible CPO, in the order they were first cached. */
    tariffPage: (q: ListQuery) => listPage("tariffs", q, undefined),

    /** A page of tokens of every visible eMSP, in the order they were first cached. */
    tokenPage: (q: ListQuery) => listPage("tokens", q, undefined),

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
