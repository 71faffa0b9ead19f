import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import type { Deps } from "../deps.js";
import { requestLog } from "../ingress/request-context.js";
import { answer } from "../ingress/respond.js";
import { invalidParameters, notFound, unknownLocation } from "../ocpi/errors.js";
import { OutHeader, RoutingHeader } from "../ocpi/headers.js";
import { pageHeaders, parsePage } from "../ocpi/pagination.js";
import type { PartyRef } from "../ocpi/parties.js";
import { partyName } from "../ocpi/parties.js";
import { StatusCode } from "../ocpi/status-codes.js";
import { type Params, urlOwner } from "../routing/operations.js";
import { isStatusOnly, type Json, pick, type Target } from "./apply.js";
import type { CachedModule, Owned, PushOutcome } from "./store.js";

/** The largest page of a list from the cache (X-Limit); also the default. */
export const CACHE_PAGE_MAX = 500;

export const isCached = (module: string): module is CachedModule =>
  module === "locations" || module === "tariffs";

/**
 * Platforms whose objects nobody reads now: one that has not (or no
 * longer) registered, and one the operator suspended. An OFFLINE CPO's
 * chargers still exist, so its objects stay listed.
 */
export function hiddenPlatforms(deps: Deps): string[] {
  return deps.registry
    .list()
    .filter((p) => p.status === "PENDING" || p.status === "SUSPENDED")
    .map((p) => p.id);
}

/** Headers of an answer the hub gives as the receiver: to = requester, from = the hub. */
function hubHeaders(c: Context<AppEnv>, requester: PartyRef): Record<string, string> {
  const { config } = c.get("deps");
  return {
    [OutHeader.requestId]: c.get("requestId"),
    [OutHeader.correlationId]: c.get("correlationId"),
    [RoutingHeader.toCountryCode]: requester.countryCode,
    [RoutingHeader.toPartyId]: requester.partyId,
    [RoutingHeader.fromCountryCode]: config.hubCountryCode,
    [RoutingHeader.fromPartyId]: config.hubPartyId,
  };
}

function envelopeText(c: Context<AppEnv>, data: string): string {
  const timestamp = c.get("deps").clock.now().toISOString();
  return `{"data":${data},"status_code":${StatusCode.Success},"timestamp":"${timestamp}"}`;
}

/**
 * GET All via Hubs (transport_and_format): every visible CPO's objects from
 * the cache, merged in the order the hub first cached them, with the
 * hub's own pagination.
 */
export async function answerList(
  c: Context<AppEnv>,
  module: CachedModule,
  query: string,
  requester: PartyRef,
): Promise<Response> {
  const deps = c.get("deps");
  const page = parsePage(Object.fromEntries(new URLSearchParams(query)), CACHE_PAGE_MAX);
  const filter = { ...page, hidden: hiddenPlatforms(deps) };
  const { items, total } =
    module === "locations"
      ? await deps.cache.locationPage(filter)
      : await deps.cache.tariffPage(filter);
  return answer(envelopeText(c, `[${items.join(",")}]`), 200, {
    ...hubHeaders(c, requester),
    ...pageHeaders(c.req.url, deps.config.hubUrl, page, CACHE_PAGE_MAX, total),
  });
}

/**
 * One cached object: a location, EVSE or connector, or a tariff. `owner`
 * comes from a Receiver URL (a CPO reading the hub's copy of its own
 * object); on the Sender interface the id alone must name one object.
 */
export async function answerObject(
  c: Context<AppEnv>,
  module: CachedModule,
  params: Params,
  requester: PartyRef,
  owner: PartyRef | undefined,
): Promise<Response> {
  const deps = c.get("deps");
  const hidden = hiddenPlatforms(deps);
  const id = (module === "locations" ? params.location_id : params.tariff_id) as string;
  const found =
    module === "locations"
      ? await deps.cache.locationsWithId(id, { owner, hidden, published: owner === undefined })
      : await deps.cache.tariffsWithId(id, { owner, hidden });
  const what = module === "locations" ? "location" : "tariff";
  const one = single(found, what, id);
  const target: Target = { evseUid: params.evse_uid, connectorId: params.connector_id };
  const object = module === "locations" ? pick(one.doc, target) : one.doc;
  if (object === undefined) {
    const missing =
      target.connectorId === undefined
        ? `EVSE ${target.evseUid}`
        : `connector ${target.connectorId} of EVSE ${target.evseUid}`;
    throw unknownLocation(`location ${partyName(one.owner)}/${id} has no ${missing}`);
  }
  return answer(envelopeText(c, JSON.stringify(object)), 200, hubHeaders(c, requester));
}

function single(found: Owned[], what: "location" | "tariff", id: string): Owned {
  const [first] = found;
  if (first === undefined) {
    const message = `no ${what} ${id} is known to the hub`;
    throw what === "location" ? unknownLocation(message) : notFound(message);
  }
  if (found.length > 1) {
    throw invalidParameters(
      `${found.length} CPOs have a ${what} ${id} (${found.map((f) => partyName(f.owner)).join(", ")}); ask the one you mean with OCPI-to`,
    );
  }
  return first;
}

/**
 * Applies a CPO's push to the cache before it is forwarded (locations: PUT,
 * PATCH; tariffs: PUT, DELETE). A PATCH of an object the hub does not know,
 * or a PUT into a location or EVSE it does not know, is refused with 2003
 * and goes nowhere, unless a sync of the CPO is running and may still
 * bring that object.
 */
export async function writeThrough(
  c: Context<AppEnv>,
  module: CachedModule,
  method: string,
  params: Params,
  body: unknown,
): Promise<{ pending?: Promise<void> }> {
  const deps = c.get("deps");
  const owner = urlOwner(params);
  // A status change of an EVSE known to exist is written while it is forwarded.
  if (
    module === "locations" &&
    isStatusOnly(
      method,
      { evseUid: params.evse_uid, connectorId: params.connector_id },
      body as Json,
    ) &&
    deps.cache.knowsEvse(owner, params.location_id as string, params.evse_uid as string)
  ) {
    const pending = cacheWrite(c, module, method, params, body).then(
      () => {},
      (err: unknown) => {
        requestLog(c).warn(
          { error: err instanceof Error ? err.message : String(err) },
          "a status change forwarded for an EVSE the cache no longer has",
        );
      },
    );
    return { pending };
  }
  await cacheWrite(c, module, method, params, body);
  return {};
}

/**
 * Applies a push to the cache and says whether it took: "stale" when the
 * cache holds a newer state. Broadcasts await it; a stale one goes to nobody.
 */
export async function cacheWrite(
  c: Context<AppEnv>,
  module: CachedModule,
  method: string,
  params: Params,
  body: unknown,
): Promise<"applied" | "stale"> {
  const deps = c.get("deps");
  const platformId = c.get("caller").platform.id;
  const owner = urlOwner(params);
  let outcome: PushOutcome;
  try {
    if (module === "tariffs") {
      const id = params.tariff_id as string;
      if (method === "PUT") return await deps.cache.putTariff(platformId, owner, id, body as Json);
      if (method === "DELETE") await deps.cache.deleteTariff(owner, id);
      return "applied";
    }
    if (method !== "PUT" && method !== "PATCH") return "applied";
    outcome = await deps.cache.pushLocation({
      platformId,
      owner,
      locationId: params.location_id as string,
      method,
      target: { evseUid: params.evse_uid, connectorId: params.connector_id },
      body: body as Json,
    });
  } catch (err) {
    // Delivery comes first: the push still goes to its receiver; a later sync repairs the copy.
    requestLog(c).error({ err, module }, "could not write a push to the cache; forwarding it");
    return "applied";
  }
  if (outcome.kind === "stale") {
    requestLog(c).info(
      { location: `${partyName(owner)}/${params.location_id}` },
      "an older push than the cached location; the cache keeps the newer state",
    );
  }
  if (outcome.kind !== "unknown") return outcome.kind;
  const sync = await deps.cache.syncOf(platformId);
  if (sync?.status === "RUNNING") {
    requestLog(c).info(
      { location: `${partyName(owner)}/${params.location_id}` },
      "a push for a location the running sync has not brought yet; forwarded, not cached",
    );
    return "applied";
  }
  throw unknownLocation(`${outcome.what} is not known to the hub; PUT it first`);
}
