import { randomUUID } from "node:crypto";
import { and, asc, count, gte, inArray, lt, ne, type SQL, sql } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { type ClientInfoRow, clientInfos, type PlatformStatus } from "../db/schema/index.js";
import { type Delivery, objectKey } from "../delivery/queue.js";
import type { Deps } from "../deps.js";
import { requireCaller } from "../ingress/authenticate.js";
import { respond } from "../ingress/respond.js";
import { pageHeaders, parsePage } from "../ocpi/pagination.js";
import { type PartyRef, sameParty } from "../ocpi/parties.js";
import type { ClientInfo, ConnectionStatus } from "../ocpi/schemas/clientinfo.js";
import { parseDateTime } from "../ocpi/schemas/primitives.js";
import { StatusCode } from "../ocpi/status-codes.js";
import type { Party, Platform } from "../registry/registry.js";
import { partyKey } from "../registry/store.js";

/** Largest page of ClientInfo objects the hub serves (X-Limit). */
export const CLIENT_INFO_PAGE_MAX = 100;

/**
 * hubclientinfo: ConnectionStatus as other parties should see a platform in
 * this state. An operator's suspension can be lifted, so it shows as OFFLINE;
 * SUSPENDED ("will never connect anymore") is kept for removed platforms.
 */
export function connectionStatusOf(status: PlatformStatus): ConnectionStatus {
  switch (status) {
    case "PENDING":
      return "PLANNED";
    case "CONNECTED":
      return "CONNECTED";
    case "OFFLINE":
      return "OFFLINE";
    case "SUSPENDED":
      return "OFFLINE";
  }
}

function toClientInfo(row: ClientInfoRow): ClientInfo {
  return {
    party_id: row.partyId,
    country_code: row.countryCode,
    role: row.role as ClientInfo["role"],
    status: row.status,
    last_updated: row.lastUpdated.toISOString(),
  };
}

/**
 * The parties whose ClientInfo a platform sees: under ROAMING_POLICY=agreements
 * its own and its parties' roaming partners' (hubclientinfo tells a party
 * about those it can reach); undefined when it sees everyone's.
 */
export function clientInfoAudience(
  deps: Pick<Deps, "registry">,
  platform: Platform,
): readonly PartyRef[] | undefined {
  const seen: PartyRef[] = [];
  for (const party of platform.roles) {
    const partners = deps.registry.partnersOf(party);
    if (partners === undefined) return undefined;
    seen.push(...partners);
  }
  return seen;
}

const sees = (audience: readonly PartyRef[] | undefined, info: PartyRef) =>
  audience === undefined || audience.some((p) => sameParty(p, info));

/** hubclientinfo Sender interface: GET the list, paginated, never routed. */
export function hubClientInfoRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/", requireCaller("full"), async (c) => {
    const deps = c.get("deps");
    const { db, config } = deps;
    const page = parsePage(c.req.query(), CLIENT_INFO_PAGE_MAX);
    const filters: SQL[] = [];
    const audience = clientInfoAudience(deps, c.get("caller").platform);
    if (audience !== undefined) {
      const keys = audience.map((p) => `${p.countryCode}/${p.partyId}`.toUpperCase());
      filters.push(
        keys.length === 0
          ? sql`false`
          : inArray(sql`upper(${clientInfos.countryCode} || '/' || ${clientInfos.partyId})`, keys),
      );
    }
    if (page.dateFrom) filters.push(gte(clientInfos.lastUpdated, parseDateTime(page.dateFrom)));
    if (page.dateTo) filters.push(lt(clientInfos.lastUpdated, parseDateTime(page.dateTo)));
    const where = filters.length > 0 ? and(...filters) : undefined;
    const [rows, totals] = await Promise.all([
      db.db
        .select()
        .from(clientInfos)
        .where(where)
        .orderBy(
          asc(clientInfos.lastUpdated),
          asc(clientInfos.countryCode),
          asc(clientInfos.partyId),
          asc(clientInfos.role),
        )
        .offset(page.offset)
        .limit(page.limit),
      db.db.select({ total: count() }).from(clientInfos).where(where),
    ]);
    const total = totals[0]?.total ?? 0;
    const headers = pageHeaders(c.req.url, config.hubUrl, page, CLIENT_INFO_PAGE_MAX, total);
    return respond(c, StatusCode.Success, rows.map(toClientInfo), { headers });
  });
  return routes;
}

/** What announcing a platform takes. */
export type Announcer = Pick<Deps, "db" | "registry" | "clock" | "logger" | "deliveries">;

/**
 * Brings the hub's ClientInfo objects of a platform's parties up to date
 * and pushes each change to every other connected platform that has a
 * hubclientinfo Receiver (hubclientinfo: Push model). A platform that has
 * just connected is also sent the objects of every other party.
 * `removed` names the parties of a platform that no longer exists: they stay,
 * SUSPENDED, as ClientInfo objects are never deleted.
 */
export async function announcePlatform(
  deps: Announcer,
  platformId: string,
  removed?: Party[],
): Promise<void> {
  const platform = deps.registry.get(platformId);
  const parties = removed ?? platform?.roles ?? [];
  const status: ConnectionStatus =
    removed !== undefined || platform === undefined
      ? "SUSPENDED"
      : connectionStatusOf(platform.status);
  const now = deps.clock.now();
  const changed: ClientInfo[] = [];
  for (const party of parties) {
    const [row] = await deps.db.db
      .insert(clientInfos)
      .values({
        countryCode: party.countryCode,
        partyId: party.partyId,
        role: party.role,
        status,
        lastUpdated: now,
      })
      .onConflictDoUpdate({
        target: [clientInfos.countryCode, clientInfos.partyId, clientInfos.role],
        set: { status, lastUpdated: now },
        // Only a real change of status moves last_updated, so date filters stay meaningful.
        setWhere: ne(clientInfos.status, status),
      })
      .returning();
    if (row !== undefined) changed.push(toClientInfo(row));
  }
  const receivers = deps.registry
    .list()
    .filter((p) => p.id !== platformId && canReceiveClientInfo(p));
  const deliveries = receivers.flatMap((receiver) => {
    const audience = clientInfoAudience(deps, receiver);
    return changed
      .filter((info) => sees(audience, codesOf(info)))
      .map((info) => clientInfoDelivery(deps, receiver, info));
  });
  if (platform !== undefined && status === "CONNECTED" && canReceiveClientInfo(platform)) {
    const others = await deps.db.db.select().from(clientInfos);
    const own = new Set(platform.roles.map(partyKey));
    const audience = clientInfoAudience(deps, platform);
    for (const row of others) {
      if (!own.has(partyKey(row)) && sees(audience, row)) {
        deliveries.push(clientInfoDelivery(deps, platform, toClientInfo(row)));
      }
    }
  }
  try {
    await deps.deliveries.publish(deliveries);
  } catch (err) {
    deps.logger.error({ err, platform_id: platformId }, "could not queue ClientInfo pushes");
  }
}

const codesOf = (info: ClientInfo): PartyRef => ({
  countryCode: info.country_code,
  partyId: info.party_id,
});

/**
 * Two parties became roaming partners: each side's platform is sent the
 * other's ClientInfo objects (what it now can reach).
 */
export async function introduce(deps: Announcer, a: PartyRef, b: PartyRef): Promise<void> {
  const rows = await deps.db.db.select().from(clientInfos);
  const deliveries: Delivery[] = [];
  for (const [own, other] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const hosted of deps.registry.partiesAt(own.countryCode, own.partyId)) {
      if (!canReceiveClientInfo(hosted.platform)) continue;
      for (const row of rows) {
        if (sameParty(row, other)) {
          deliveries.push(clientInfoDelivery(deps, hosted.platform, toClientInfo(row)));
        }
      }
    }
  }
  await deps.deliveries.publish(deliveries);
}

function canReceiveClientInfo(p: Platform): boolean {
  return (
    p.status === "CONNECTED" &&
    p.outboundToken !== null &&
    p.endpoints.some((e) => e.identifier === "hubclientinfo" && e.role === "RECEIVER")
  );
}

/**
 * PUT {receiver}/{country_code}/{party_id} with the described party's codes
 * and no routing headers, delivered like any push: retried, and only the
 * newest status of a party kept while it waits.
 */
function clientInfoDelivery(
  deps: Pick<Deps, "clock">,
  receiver: Platform,
  info: ClientInfo,
): Delivery {
  const owner = { countryCode: info.country_code, partyId: info.party_id };
  return {
    recipient: receiver.id,
    module: "hubclientinfo",
    key: objectKey(owner, info.role),
    method: "PUT",
    path: `/${encodeURIComponent(info.country_code)}/${encodeURIComponent(info.party_id)}`,
    query: "",
    body: JSON.stringify(info),
    correlationId: randomUUID(),
    acceptedAt: deps.clock.now().getTime(),
  };
}
