import { isStatusOnly, type Json, pick } from "../cache/apply.js";
import { type Audience, audienceOf, EVERYONE } from "../cache/publication.js";
import type { CacheStore, ListPage, ListQuery, Owned } from "../cache/store.js";
import type { CachedModuleSpec } from "../modules/index.js";
import { type Method, type Params, urlOwner } from "../modules/module-spec.js";
import { tokenType } from "../modules/tokens.js";
import { envelopeText } from "../ocpi/envelope.js";
import {
  invalidParameters,
  notFound,
  OcpiError,
  unavailable,
  unknownLocation,
} from "../ocpi/errors.js";
import { pageHeaders, parseCursor, parsePage } from "../ocpi/pagination.js";
import { hubParty, type PartyRef, partyName, sameParty } from "../ocpi/parties.js";
import { StatusCode } from "../ocpi/status-codes.js";
import type { Party } from "../registry/registry.js";
import { hiddenPlatformIds } from "../registry/visibility.js";
import type { CallerScope, RequestScope } from "./scope.js";
import { answer, answerHeaders } from "./scope.js";

/** The largest page of a list from the cache (X-Limit); also the default. */
export const CACHE_PAGE_MAX = 500;

/** Which objects of one id a reader wants, and who reads. */
interface IdFilter {
  owner: PartyRef | undefined;
  hidden: readonly string[];
  /** The reading platform: its tokens may unlock unpublished locations. */
  viewer: string;
  /** The query as received (tokens: `?type=`). */
  query: string;
}

/** How the hub reads and writes each cached module's objects. */
interface CacheAccess {
  page(cache: CacheStore, q: ListQuery): Promise<ListPage>;
  withId(cache: CacheStore, id: string, filter: IdFilter): Promise<Owned[]>;
  /** The part of a found object the URL addresses (an EVSE or connector of a location). */
  part(doc: Json, params: Params): Json | undefined;
  write(cache: CacheStore, push: Push): Promise<Written | "stale" | CacheMiss>;
}

/** A push the cache took (or, unknown to it, let through), and who may see its location. */
export interface Written {
  audience: Audience;
}

/** A push of a part of an object the cache does not hold. */
interface CacheMiss {
  missing: string;
}

interface Push {
  platformId: string;
  owner: PartyRef;
  method: Method;
  params: Params;
  /** The query as received (tokens: `?type=`). */
  query: string;
  body: Json;
}

const ACCESS: Readonly<Record<string, CacheAccess>> = {
  locations: {
    page: (cache, q) => cache.locationPage(q),
    // A CPO reading its own location sees it unpublished too; others see published ones, and
    // the unpublished ones their tokens unlock (publish_allowed_to).
    withId: (cache, id, { owner, hidden, viewer }) =>
      cache.locationsWithId(id, { owner, hidden, published: owner === undefined, viewer }),
    part: (doc, params) =>
      pick(doc, { evseUid: params.evse_uid, connectorId: params.connector_id }),
    async write(cache, { platformId, owner, method, params, body }) {
      if (method !== "PUT" && method !== "PATCH") return { audience: EVERYONE };
      const outcome = await cache.pushLocation({
        platformId,
        owner,
        locationId: params.location_id as string,
        method,
        target: { evseUid: params.evse_uid, connectorId: params.connector_id },
        body,
      });
      if (outcome.kind === "unknown") return { missing: outcome.what };
      return outcome.kind === "stale" ? "stale" : { audience: outcome.audience };
    },
  },
  tariffs: {
    page: (cache, q) => cache.tariffPage(q),
    withId: (cache, id, { owner, hidden }) => cache.tariffsWithId(id, { owner, hidden }),
    part: (doc) => doc,
    async write(cache, { platformId, owner, method, params, body }) {
      const id = params.tariff_id as string;
      if (method === "PUT" && (await cache.putTariff(platformId, owner, id, body)) === "stale")
        return "stale";
      if (method === "DELETE") await cache.deleteTariff(owner, id);
      return { audience: EVERYONE };
    },
  },
  tokens: {
    page: (cache, q) => cache.tokenPage(q),
    withId: (cache, uid, { owner, hidden, query }) =>
      cache.tokensWithId(uid, { owner, type: tokenType(query), hidden }),
    part: (doc) => doc,
    async write(cache, { platformId, owner, method, params, query, body }) {
      if (method !== "PUT" && method !== "PATCH") return { audience: EVERYONE };
      const outcome = await cache.pushToken({
        platformId,
        owner,
        uid: params.token_uid as string,
        type: tokenType(query),
        method,
        body,
      });
      // A PATCH of a token the cache does not hold is forwarded as it is, not cached.
      return outcome === "stale" ? "stale" : { audience: EVERYONE };
    },
  },
};

function accessOf(module: CachedModuleSpec): CacheAccess {
  const access = ACCESS[module.id];
  if (access === undefined) throw new Error(`no cache access for module ${module.id}`);
  return access;
}

/** Headers of an answer the hub gives as the receiver: to = requester, from = the hub. */
function hubHeaders(scope: RequestScope, requester: PartyRef): Record<string, string> {
  return answerHeaders(scope, requester, hubParty(scope.deps.config));
}

const successText = (scope: RequestScope, dataJson: string) =>
  envelopeText(scope.deps.clock.now(), StatusCode.Success, dataJson);

/** The query of the URL as received, without '?'. */
const queryOf = (scope: RequestScope) => new URL(scope.url).search.replace(/^\?/, "");

/**
 * GET All via Hubs (transport_and_format): every visible party's objects
 * from the cache (CPOs' locations and tariffs, eMSPs' tokens), merged in
 * the order the hub first cached them, with the hub's own pagination.
 * Unpublished locations are listed to the platforms whose tokens unlock
 * them (publication.ts).
 */
export async function answerList(
  scope: CallerScope,
  module: CachedModuleSpec,
  query: string,
  requester: Party,
): Promise<Response> {
  const { deps } = scope;
  const params = Object.fromEntries(new URLSearchParams(query));
  const page = parsePage(params, CACHE_PAGE_MAX);
  const filter = {
    ...page,
    after: parseCursor(params.after),
    hidden: hiddenPlatformIds(deps.registry.list()),
    viewer: scope.caller.platform.id,
    owners: deps.registry.partnersOf(requester, module.id),
  };
  const { items, total, last, more } = await accessOf(module).page(deps.cache, filter);
  return answer(successText(scope, `[${items.join(",")}]`), 200, {
    ...hubHeaders(scope, requester),
    ...pageHeaders(scope.url, deps.config.hubUrl, page, CACHE_PAGE_MAX, total, { last, more }),
  });
}

/**
 * One cached object: a location, EVSE or connector, a tariff, or a token.
 * `owner` comes from a Receiver URL (a party reading the hub's copy of its
 * own object); on the Sender interface the id alone must name one object,
 * and an unpublished location is known only to the platforms its
 * publish_allowed_to names a token of.
 */
export async function answerObject(
  scope: CallerScope,
  module: CachedModuleSpec,
  params: Params,
  requester: Party,
  owner: PartyRef | undefined,
): Promise<Response> {
  const { deps } = scope;
  const access = accessOf(module);
  const hidden = hiddenPlatformIds(deps.registry.list());
  const id = params[module.cache.idParam] as string;
  const filter = { owner, hidden, viewer: scope.caller.platform.id, query: queryOf(scope) };
  const found = await access.withId(deps.cache, id, filter);
  // An object of a CPO the reader has no roaming agreement with answers as an unknown one.
  const partners = deps.registry.partnersOf(requester, module.id);
  const visible =
    partners === undefined
      ? found
      : found.filter((f) => partners.some((p) => sameParty(p, f.owner)));
  const one = single(module, visible, id);
  const object = access.part(one.doc, params);
  if (object === undefined) {
    const missing =
      params.connector_id === undefined
        ? `EVSE ${params.evse_uid}`
        : `connector ${params.connector_id} of EVSE ${params.evse_uid}`;
    throw unknownLocation(`location ${partyName(one.owner)}/${id} has no ${missing}`);
  }
  return answer(successText(scope, JSON.stringify(object)), 200, hubHeaders(scope, requester));
}

function single(module: CachedModuleSpec, found: Owned[], id: string): Owned {
  const { noun, unknown } = module.cache;
  const [first] = found;
  if (first === undefined) {
    const message = `no ${noun} ${id} is known to the hub`;
    throw unknown === "unknown-location" ? unknownLocation(message) : notFound(message);
  }
  if (found.length > 1) {
    throw invalidParameters(
      `${found.length} CPOs have a ${noun} ${id} (${found.map((f) => partyName(f.owner)).join(", ")}); ask the one you mean with OCPI-to`,
    );
  }
  return first;
}

/**
 * Applies a CPO's push to the cache before it is forwarded (the module's
 * cache writes: locations PUT, PATCH; tariffs PUT, DELETE). A PATCH of an
 * object the hub does not know, or a PUT into a location or EVSE it does
 * not know, is refused with 2003 and goes nowhere, unless a sync of the
 * CPO is running and may still bring that object. A status change of an
 * EVSE known to exist is written while it is forwarded: the returned
 * promise settles when it is.
 */
export async function writeThrough(
  scope: CallerScope,
  module: CachedModuleSpec,
  method: Method,
  params: Params,
  body: unknown,
): Promise<{ pending?: Promise<void> }> {
  if (!module.cache.writes.includes(method)) return {};
  const { deps } = scope;
  const owner = urlOwner(params);
  const target = { evseUid: params.evse_uid, connectorId: params.connector_id };
  if (
    isStatusOnly(method, target, body as Json) &&
    deps.cache.knowsEvse(owner, params.location_id as string, params.evse_uid as string)
  ) {
    const pending = writeToCache(scope, module, method, params, body).then(
      () => {},
      (err: unknown) => {
        // The hub could not store it: the sender hears so (see forwardRequest) and sends it again.
        if (!(err instanceof OcpiError && err.statusCode === StatusCode.UnknownLocation)) throw err;
        scope.log.warn(
          { error: err instanceof Error ? err.message : String(err) },
          "a status change forwarded for an EVSE the cache no longer has",
        );
      },
    );
    return { pending };
  }
  await writeToCache(scope, module, method, params, body);
  return {};
}

/**
 * Applies a push to the cache and says whether it took: "stale" when the
 * cache holds a newer state; otherwise who may see the object now (a
 * location's publication). Broadcasts await it; a stale one goes to nobody.
 */
export async function writeToCache(
  scope: CallerScope,
  module: CachedModuleSpec,
  method: Method,
  params: Params,
  body: unknown,
): Promise<Written | "stale"> {
  const { deps } = scope;
  const platformId = scope.caller.platform.id;
  const owner = urlOwner(params);
  const objectName = `${partyName(owner)}/${params[module.cache.idParam]}`;
  let outcome: Written | "stale" | CacheMiss;
  try {
    outcome = await accessOf(module).write(deps.cache, {
      platformId,
      owner,
      method,
      params,
      query: queryOf(scope),
      body: body as Json,
    });
  } catch (err) {
    // Nothing goes on that the cache missed: the sender retries, and the cache and receivers agree.
    scope.log.error({ err, module: module.id }, "could not write a push to the cache; refused");
    throw unavailable(
      `the hub could not store this ${module.cache.noun} push; it went nowhere; send it again`,
    );
  }
  if (outcome === "stale") {
    scope.log.info(
      { [module.cache.noun]: objectName },
      `an older push than the cached ${module.cache.noun}; the cache keeps the newer state`,
    );
  }
  if (outcome === "stale" || "audience" in outcome) return outcome;
  const sync = await deps.cache.syncOf(platformId);
  if (sync?.status === "RUNNING") {
    scope.log.info(
      { [module.cache.noun]: objectName },
      `a push for a ${module.cache.noun} the running sync has not brought yet; forwarded, not cached`,
    );
    // Not cached: a location's own push says who may see it; a part of one goes where pushes go.
    const whole = params.evse_uid === undefined && (body as Json).publish === false;
    return { audience: whole ? audienceOf(body as Json) : EVERYONE };
  }
  throw unknownLocation(`${outcome.missing} is not known to the hub; PUT it first`);
}
