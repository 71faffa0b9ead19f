import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { SyncTrigger } from "../db/schema/index.js";
import type { Deps } from "../deps.js";
import type { OutboundResponse } from "../egress/ocpi-client.js";
import { asHubMessage, type HubMessage } from "../messages/hub-message.js";
import { CACHED_MODULES } from "../modules/index.js";
import { Header, routingHeadersTo } from "../ocpi/headers.js";
import { nextLinkUrl } from "../ocpi/pagination.js";
import { hubParty, type PartyRef, partyName, sameParty } from "../ocpi/parties.js";
import { StatusCode } from "../ocpi/status-codes.js";
import { check } from "../ocpi/validate.js";
import { OCPI_2_1_1 } from "../ocpi/version.js";
import type { Platform } from "../registry/registry.js";
import { endpointOf } from "../registry/registry.js";
import { isConnected } from "../registry/visibility.js";
import type { Json } from "./apply.js";
import type { CachedModule, Pulled } from "./store.js";
import { type PageRead, problemsNote, readPage211, type SkipObject } from "./sync-v211.js";

/** The page size the hub asks for; a CPO may send fewer (X-Limit). */
export const SYNC_PAGE_LIMIT = 1000;
/** A page may be large: it gets longer than a forwarded request. */
const PAGE_TIMEOUT_MS = 60_000;
/** A RUNNING sync whose instance has not beaten for this long is taken over. */
const STALE_MS = 2 * 60_000;

/** What a sync pulls of each cached module, and how the cache takes a page of it. */
interface SyncSpec {
  module: CachedModule;
  schema: z.ZodType;
  idField: string;
  upsert(cache: Deps["cache"], platformId: string, pulled: Pulled[]): Promise<unknown>;
}

const UPSERTS: Readonly<Record<string, SyncSpec["upsert"]>> = {
  locations: (cache, platformId, pulled) => cache.upsertLocations(platformId, pulled),
  tariffs: (cache, platformId, pulled) => cache.upsertTariffs(platformId, pulled),
};

// Only what CPOs send is pulled: the eMSPs' tokens come to the cache by their pushes alone.
const MODULES: readonly SyncSpec[] = CACHED_MODULES.filter((m) =>
  m.roles.SENDER.includes("CPO"),
).map((m) => {
  const upsert = UPSERTS[m.id];
  if (upsert === undefined) throw new Error(`no sync for the cached module ${m.id}`);
  return { module: m.id as CachedModule, schema: m.cache.schema, idField: "id", upsert };
});

/** Why a platform cannot be synced now; undefined when it can. */
export function syncRefusal(platform: Platform): string | undefined {
  if (!isConnected(platform))
    return `platform is ${platform.status}; only a CONNECTED platform can be synced`;
  if (!platform.roles.some((r) => r.role === "CPO")) return "platform hosts no CPO";
  if (!MODULES.some(({ module }) => endpointOf(platform, module, "SENDER") !== undefined))
    return "platform has neither a locations nor a tariffs Sender interface";
  return undefined;
}

/**
 * Pulls a CPO platform's locations and tariffs into the cache in the
 * background, unless it cannot be synced or a sync of it is running.
 * Returns why it did not start, or undefined when it did.
 */
export async function startSync(
  deps: Deps,
  platformId: string,
  trigger: SyncTrigger,
): Promise<string | undefined> {
  const platform = deps.registry.get(platformId);
  if (platform === undefined) return "platform is unknown";
  const refusal = syncRefusal(platform);
  if (refusal !== undefined) return refusal;
  if (!(await deps.cache.claimSync(platformId, trigger, deps.instanceId, STALE_MS)))
    return "a sync of this platform is running";
  deps.logger.info({ platform_id: platformId, trigger }, "cache sync started");
  const message = syncMessage(deps, platform);
  deps.tasks.run("cache sync", () =>
    asHubMessage(deps.messages, message, deps, (traced) =>
      runSync(traced, platform, message.correlationId),
    ),
  );
  return undefined;
}

/** Syncs every connected CPO platform the cache has never synced (after an upgrade, say). */
export async function syncUnsynced(deps: Deps): Promise<void> {
  const candidates = deps.registry.list().filter((p) => syncRefusal(p) === undefined);
  const synced = await deps.cache.syncsOf(candidates.map((p) => p.id));
  for (const p of candidates) {
    if (!synced.has(p.id)) await startSync(deps, p.id, "start");
  }
}

/** A sync in the message log: the hub asks the CPO for its lists; every page is a leg. */
function syncMessage(deps: Deps, platform: Platform): HubMessage {
  return {
    hub: hubParty(deps.config),
    platformId: platform.id,
    module: "sync",
    method: "GET",
    correlationId: randomUUID(),
  };
}

/** A page that could not be used; ends the sync as FAILED. */
class SyncFailure extends Error {}

async function runSync(deps: Deps, platform: Platform, correlationId: string): Promise<void> {
  let removed = 0;
  deps.metrics.syncStarted(platform.id);
  try {
    for (const spec of MODULES) {
      const endpoint = endpointOf(platform, spec.module, "SENDER");
      if (endpoint === undefined) continue;
      // Each CPO party answers for its own objects, asked with its own OCPI-to; only
      // once every party's list is in does what none of them listed count as dropped.
      for (const cpo of cpoParties(platform)) {
        await pull(deps, platform, cpo, spec, endpoint, correlationId);
      }
      removed += await deps.cache.removeUnrefreshed(spec.module, platform.id);
    }
    await deps.cache.finishSync(platform.id, { removed });
    const done = await deps.cache.syncOf(platform.id);
    deps.logger.info(
      {
        platform_id: platform.id,
        pages: done?.pages,
        locations: done?.locations,
        tariffs: done?.tariffs,
        skipped: done?.skipped,
        removed,
      },
      "cache sync succeeded",
    );
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    deps.logger.warn({ platform_id: platform.id, error }, "cache sync failed");
    await deps.cache.finishSync(platform.id, { removed, error });
  } finally {
    deps.metrics.syncEnded(platform.id);
  }
}

/** The platform's CPO parties, each pulled on its own. */
const cpoParties = (platform: Platform): PartyRef[] =>
  platform.roles.filter((r) => r.role === "CPO");

/**
 * Follows one CPO party's pages (OCPI-to = that party) from offset 0 to the
 * last `Link` (transport_and_format: Pagination); the next page is on its
 * way while one is being written. The party's own objects are taken; those
 * of the platform's other CPO parties are passed over, as their own pull
 * brings them (a platform may list every party's objects to each); those
 * of anybody else are skipped and counted. A 2.1.1 platform's pages are
 * read in 2.1.1 and stored translated (sync-v211.ts).
 */
async function pull(
  deps: Deps,
  platform: Platform,
  cpo: PartyRef,
  spec: SyncSpec,
  endpoint: string,
  correlationId: string,
): Promise<void> {
  const what = `${spec.module} of ${partyName(cpo)}`;
  const first = `${endpoint}${endpoint.includes("?") ? "&" : "?"}offset=0&limit=${SYNC_PAGE_LIMIT}`;
  const seen = new Set<string>();
  const readPage = pageReader(deps, platform, cpo, spec);
  let url: string | undefined = first;
  let next = fetchPage(deps, platform, cpo, what, url, correlationId);
  let writing: Promise<void> = Promise.resolve();
  try {
    await pages();
  } catch (err) {
    // The page being written ends before the sync is marked failed.
    await writing.catch(() => {});
    throw err;
  }
  await writing;

  async function pages(): Promise<void> {
    while (url !== undefined) {
      if (deps.tasks.stopping) throw new SyncFailure("the hub instance shut down during the sync");
      seen.add(url);
      const res = await next;
      const data = res.body.data as unknown[];
      url = nextUrl(deps, res, what, url);
      if (url !== undefined) {
        if (seen.has(url)) throw new SyncFailure(`${what}: the CPO's Link points back at ${url}`);
        next = fetchPage(deps, platform, cpo, what, url, correlationId);
        // Nobody waits on it until the loop comes back; a failure is seen there.
        next.catch(() => {});
      }
      const { pulled, skipped } = readPage(data);
      // One page is written while the next is read and checked.
      await writing;
      writing = (async () => {
        await spec.upsert(deps.cache, platform.id, pulled);
        await deps.cache.syncProgress(platform.id, {
          pages: 1,
          [spec.module]: pulled.length,
          skipped,
        });
        deps.metrics.syncPulled(platform.id, spec.module, pulled.length);
      })();
      writing.catch(() => {});
    }
  }
}

/** How a page of `cpo`'s list is read: as 2.2.1, or as a 2.1.1 platform's, translated. */
function pageReader(
  deps: Deps,
  platform: Platform,
  cpo: PartyRef,
  spec: SyncSpec,
): (data: readonly unknown[]) => PageRead {
  const skip: SkipObject = (id, reason) => logSkipped(deps, platform, spec.module, id, reason);
  if (platform.version === OCPI_2_1_1) {
    // 2.1.1 objects name no owner: they are the platform's one party's.
    const { module, schema } = spec;
    const pulling = { platformId: platform.id, party: cpo, module, schema };
    return (data) => readPage211(deps, pulling, data, skip);
  }
  const others = cpoParties(platform).filter((r) => !sameParty(r, cpo));
  return (data) => readPage221(deps, { cpo, others, spec }, data, skip);
}

/**
 * A page of a 2.2.1 CPO party's list: each object is checked with the
 * tolerance of pushes and must be that party's; another CPO party's of the
 * same platform is passed over (not counted), anybody else's skipped.
 */
function readPage221(
  deps: Deps,
  pulling: { cpo: PartyRef; others: readonly PartyRef[]; spec: SyncSpec },
  data: readonly unknown[],
  skip: SkipObject,
): PageRead {
  const { cpo, others, spec } = pulling;
  const read: PageRead = { pulled: [], skipped: 0 };
  for (const item of data) {
    // Pulled objects pass the same checks and tolerance as pushed ones.
    const checked = check(spec.schema, item, deps.config.validation);
    const doc = (typeof item === "object" && item !== null ? item : {}) as Json;
    const owner = { countryCode: String(doc.country_code), partyId: String(doc.party_id) };
    const own = sameParty(cpo, owner);
    if (!own && others.some((r) => sameParty(r, owner))) continue;
    if (!checked.ok || !own) {
      read.skipped++;
      skip(
        doc[spec.idField],
        checked.ok
          ? `owned by ${owner.countryCode}/${owner.partyId}, not a CPO of this platform`
          : problemsNote(checked.problems),
      );
      continue;
    }
    read.pulled.push({ owner, id: String(doc[spec.idField]), doc });
  }
  return read;
}

/** An object a sync left out, in the log line that says why. */
function logSkipped(
  deps: Deps,
  platform: Platform,
  module: CachedModule,
  id: unknown,
  reason: string,
): void {
  deps.logger.warn(
    {
      platform_id: platform.id,
      module,
      id: typeof id === "string" ? id : undefined,
      reason,
    },
    "cache sync skipped an object",
  );
}

/** One page of the list `what` names ("locations of NL/CPO"), asked of that party. */
async function fetchPage(
  deps: Deps,
  platform: Platform,
  cpo: PartyRef,
  what: string,
  url: string,
  correlationId: string,
): Promise<OutboundResponse> {
  if (platform.outboundToken === null)
    throw new SyncFailure(`${what}: the platform is not registered`);
  let res: OutboundResponse;
  try {
    res = await deps.client.send({
      method: "GET",
      url,
      token: platform.outboundToken,
      encoding: platform.outboundTokenEncoding,
      correlationId,
      pool: platform.id,
      timeoutMs: Math.max(PAGE_TIMEOUT_MS, deps.config.forwardTimeoutMs),
      headers: routingHeadersTo(platform.version, cpo, hubParty(deps.config)),
    });
  } catch (err) {
    throw new SyncFailure(
      `${what}: GET ${url} failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const code = res.body.status_code;
  if (res.status !== 200 || code !== StatusCode.Success) {
    throw new SyncFailure(
      `${what}: GET ${url} answered HTTP ${res.status} with status_code ${code}${res.body.status_message ? ` (${res.body.status_message})` : ""}`,
    );
  }
  if (!Array.isArray(res.body.data))
    throw new SyncFailure(`${what}: GET ${url} answered without a list in data`);
  deps.registry.recordHeard(platform.id, deps.clock.now().getTime());
  return res;
}

/**
 * The CPO's next page, from its Link header, resolved against the page's
 * URL; a URL the URL policy refuses ends the sync before it is called.
 */
function nextUrl(deps: Deps, res: OutboundResponse, what: string, url: string): string | undefined {
  const link = res.headers[Header.link];
  let next = nextLinkUrl(link);
  if (next === undefined) return undefined;
  if (!URL.canParse(next)) {
    try {
      next = new URL(next, url).toString();
    } catch {
      throw new SyncFailure(`${what}: GET ${url} answered with an unreadable Link: ${link}`);
    }
  }
  const refused = deps.urlPolicy.refusal(next);
  if (refused !== undefined) {
    throw new SyncFailure(`${what}: GET ${url} answered with a Link to ${next}: ${refused}`);
  }
  return next;
}
