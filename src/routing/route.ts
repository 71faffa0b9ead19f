import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { answerList, answerObject, cacheWrite, isCached, writeThrough } from "../cache/http.js";
import type { CachedModule } from "../cache/store.js";
import { objectKey } from "../delivery/queue.js";
import type { OutboundResponse } from "../egress/ocpi-client.js";
import { requireCaller } from "../ingress/authenticate.js";
import { parseJson } from "../ingress/json-body.js";
import { requestLog } from "../ingress/request-context.js";
import { respond } from "../ingress/respond.js";
import {
  hubError,
  invalidParameters,
  methodNotAllowed,
  notFound,
  unavailable,
} from "../ocpi/errors.js";
import { Header, OutHeader, RoutingHeader } from "../ocpi/headers.js";
import { parsePage, rewriteLink } from "../ocpi/pagination.js";
import type { PartyRef } from "../ocpi/parties.js";
import { partyName, sameParty } from "../ocpi/parties.js";
import { TokenType } from "../ocpi/schemas/tokens.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
import { StatusCode } from "../ocpi/status-codes.js";
import { validate } from "../ocpi/validate.js";
import { OCPI_VERSION } from "../ocpi/version.js";
import {
  accepted,
  fetchLinkedCdr,
  openCallback,
  receiveCallback,
  settleCallback,
} from "./callbacks.js";
import { relay, sendHop } from "./forward.js";
import { openRoute } from "./open-routing.js";
import {
  interfaceOperations,
  isCommandType,
  type Operation,
  type Params,
  type RoutedModule,
  urlOwner,
} from "./operations.js";
import { findTarget, type Routing, readRouting, type Target } from "./parties.js";

/**
 * One routed interface of the hub, e.g. the locations Receiver at
 * /ocpi/2.2.1/locations/receiver: every request is authenticated, its
 * routing headers and body checked, its receiver found (OCPI-to, or open
 * routing by content), and it is forwarded to the receiver's endpoint for
 * the same module and interface; the receiver's answer comes back.
 */
export function routedInterface(module: RoutedModule, iface: InterfaceRole) {
  const { match } = interfaceOperations(module, iface);
  const path = `/ocpi/${OCPI_VERSION}/${module}/${iface.toLowerCase()}`;
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("full"));
  routes.all("*", async (c) => {
    const { raw, query } = splitUrl(c.req.url, path);
    const segments = raw.map(decodeSegment);
    const found = match(c.req.method, segments);
    if (found.kind === "none") {
      throw notFound(`the ${module} ${iface} interface has no ${c.req.method} ${c.req.path}`);
    }
    if (found.kind === "method") {
      throw methodNotAllowed(
        `the ${module} ${iface} interface takes ${found.allowed.join(", ")} here, not ${c.req.method}`,
        found.allowed,
      );
    }
    return route(c, { op: found.op, params: found.params, raw, query, hubEndpoint: path });
  });
  return routes;
}

interface Incoming {
  op: Operation;
  params: Params;
  /** The path segments after the endpoint, as received (still percent-encoded). */
  raw: string[];
  /** The query string without '?', as received. */
  query: string;
  hubEndpoint: string;
}

async function route(c: Context<AppEnv>, req: Incoming): Promise<Response> {
  const deps = c.get("deps");
  const caller = c.get("caller");
  const { op, params } = req;
  const hub = { countryCode: deps.config.hubCountryCode, partyId: deps.config.hubPartyId };
  let routing = readRouting(c, caller, hub);

  if (op.module === "commands" && op.iface === "RECEIVER" && !isCommandType(params.command ?? "")) {
    throw notFound(
      `unknown command ${params.command}; commands are CANCEL_RESERVATION, RESERVE_NOW, START_SESSION, STOP_SESSION, UNLOCK_CONNECTOR`,
    );
  }
  let text: string | undefined;
  let body: unknown;
  if (op.body !== undefined || op.local === "callback") {
    text = await c.req.text();
    if (text.trim() === "" && op.bodyOptional) text = undefined;
    else body = parseJson(text);
    if (body !== undefined && op.body !== undefined)
      validate(op.body(params), body, `${op.module} ${op.method} body`);
  }
  checkOwnership(caller.platform.roles, op, params, body);
  if (op.module === "tokens" && op.iface === "RECEIVER") checkTokenType(op, req.query, body);
  if (op.paginated) checkPage(op, req.query);

  if (op.local === "callback") {
    return receiveCallback(c, { op, params, routing, body, raw: text ?? "" });
  }
  if (op.local === "cdr-link") return fetchLinkedCdr(c, { params, routing });

  const fromCache = answeredFromCache(op, routing);
  if (fromCache !== undefined) {
    if (op.paginated) return answerList(c, fromCache, req.query, routing.from);
    const owner = op.iface === "RECEIVER" ? urlOwner(params) : undefined;
    return answerObject(c, fromCache, params, routing.from, owner);
  }
  if (routing.to === "hub" && op.iface === "RECEIVER" && op.method !== "GET") {
    const module = broadcastModule(op);
    if (module !== undefined) {
      return broadcast(c, {
        op,
        params,
        body,
        text,
        raw: req.raw,
        query: req.query,
        routing,
        module,
      });
    }
    // Sessions and CDRs concern one eMSP and are never fanned out (transport_and_format:
    // Broadcast Push): the hub routes them to the eMSP of their token instead.
    if (op.module === "sessions" || op.module === "cdrs") routing = { ...routing, to: undefined };
  }
  if (routing.to === "hub") {
    throw hubError(
      `this hub does not answer ${op.module} ${op.iface} ${op.method} itself; name the receiving party in OCPI-to`,
    );
  }
  if (op.hubOnly) {
    throw hubError(
      `the ${op.module} ${op.iface} interface has no ${op.method} ${op.pattern}; only the hub answers it (OCPI-to = the hub)`,
    );
  }
  const open = routing.to === undefined;
  const to: PartyRef =
    routing.to ??
    (await openRoute(deps, { op, params, body, from: routing.from, query: req.query }));
  const target = findTarget(deps.registry, to, op.module, op.iface);
  let caching: Promise<void> | undefined;
  if (op.iface === "RECEIVER" && isCached(op.module) && op.method !== "GET") {
    caching = (await writeThrough(c, op.module, op.method, params, body)).pending;
  }

  let query = req.query;
  let callback: Awaited<ReturnType<typeof openCallback>> | undefined;
  if (op.responseUrl !== undefined) {
    callback = await openCallback(c, { op, params, body, query, routing, target });
    if (callback.body !== undefined) text = callback.body;
    if (callback.query !== undefined) query = callback.query;
  }

  const routed: Routed = { op, params, body, routing, target, query: req.query };
  const learned = learn(c, routed);
  let res: OutboundResponse | undefined;
  try {
    res = await sendHop(c, {
      method: op.method,
      url: joinUrl(target.endpoint, req.raw, query),
      platform: target.platform,
      receiver: target.party,
      // Direct routing passes the pair on as received; open routing names the receiver it chose.
      to: open ? target.party : to,
      from: routing.from,
      body: text,
    });
  } finally {
    await learned;
    // The copy is up to date before the sender hears back.
    await caching;
    if (callback !== undefined) {
      await settleCallback(c, callback, body, res).catch((err: unknown) =>
        requestLog(c).error({ err }, "could not settle a callback"),
      );
    }
  }

  const extra = await conclude(c, routed, res, req.hubEndpoint);
  return relay(c, res, { to: routing.from, from: target.party }, extra);
}

/**
 * tokens Receiver: `?type=` names the token's type (RFID when absent), and a
 * PUT's body must be that token (tokens: PUT Method parameters).
 */
function checkTokenType(op: Operation, query: string, body: unknown): void {
  const type = new URLSearchParams(query).get("type") ?? "RFID";
  if (!TokenType.safeParse(type).success) {
    throw invalidParameters(`type must be one of ${TokenType.options.join(", ")}, got "${type}"`);
  }
  if (op.method === "PUT" && (body as { type?: unknown }).type !== type) {
    throw invalidParameters(
      `type of the body (${String((body as { type?: unknown }).type)}) differs from the URL's type (${type})`,
    );
  }
}

type BroadcastModule = "locations" | "tariffs" | "tokens";

/** Pushes the hub fans out when OCPI-to names it: location, tariff and token updates. */
function broadcastModule(op: Operation): BroadcastModule | undefined {
  switch (op.module) {
    case "locations":
    case "tokens":
      return op.method === "PUT" || op.method === "PATCH" ? op.module : undefined;
    case "tariffs":
      return op.method === "PUT" || op.method === "DELETE" ? op.module : undefined;
    default:
      return undefined;
  }
}

interface BroadcastPush {
  op: Operation;
  params: Params;
  body: unknown;
  text: string | undefined;
  raw: string[];
  query: string;
  routing: Routing;
  module: BroadcastModule;
}

/**
 * Broadcast push (transport_and_format: Broadcast Push): the cache takes
 * the update, one delivery per recipient platform is queued, and the sender
 * hears 1000 from the hub at once. Recipients' answers never come back to
 * it. A push older than the hub's copy goes to nobody.
 */
async function broadcast(c: Context<AppEnv>, push: BroadcastPush): Promise<Response> {
  const deps = c.get("deps");
  const caller = c.get("caller");
  const { op, params, module } = push;
  const hub = { countryCode: deps.config.hubCountryCode, partyId: deps.config.hubPartyId };
  const headers = {
    [RoutingHeader.toCountryCode]: push.routing.from.countryCode,
    [RoutingHeader.toPartyId]: push.routing.from.partyId,
    [RoutingHeader.fromCountryCode]: hub.countryCode,
    [RoutingHeader.fromPartyId]: hub.partyId,
  };
  if (module !== "tokens") {
    const outcome = await cacheWrite(c, module, op.method, params, push.body);
    if (outcome === "stale") {
      return respond(c, StatusCode.Success, undefined, {
        message: "older than the hub's copy of this object; delivered to nobody",
        headers,
      });
    }
  }
  await learn(c, { ...push, target: undefined });
  const owner = urlOwner(params);
  const key =
    module === "locations"
      ? objectKey(owner, params.location_id)
      : module === "tariffs"
        ? objectKey(owner, params.tariff_id)
        : objectKey(owner, params.token_uid, new URLSearchParams(push.query).get("type") ?? "RFID");
  const recipients = deps.deliveries.recipientsOf(module, caller.platform.id);
  const acceptedAt = Date.now();
  const path = `/${push.raw.join("/")}`;
  try {
    await deps.deliveries.publish(
      recipients.map(({ platform, party }) => ({
        recipient: platform.id,
        module,
        key,
        method: op.method as "PUT" | "PATCH" | "DELETE",
        path,
        query: push.query,
        body: push.text,
        to: { countryCode: party.countryCode, partyId: party.partyId },
        correlationId: c.get("correlationId"),
        acceptedAt,
      })),
    );
  } catch {
    throw unavailable("the hub could not queue this push for all its recipients; send it again");
  }
  return respond(c, StatusCode.Success, undefined, {
    message: `queued for ${recipients.length} platform${recipients.length === 1 ? "" : "s"}`,
    headers,
  });
}

/**
 * Client-owned objects (transport_and_format: Client Owned Object Push):
 * the URL's codes must be a party of the caller, and a full object's codes
 * and id must be the URL's (the modules' PUT parameters).
 */
function checkOwnership(
  roles: readonly PartyRef[],
  op: Operation,
  params: Params,
  body: unknown,
): void {
  if (op.owned === undefined) return;
  const owner = urlOwner(params);
  if (!roles.some((r) => sameParty(r, owner))) {
    throw invalidParameters(
      `the URL names ${partyName(owner)}, which is not a party of the calling platform`,
    );
  }
  if (body === undefined || op.method !== "PUT") return;
  const b = body as Record<string, unknown>;
  const { idParam, idField, codes } = op.owned;
  if (
    codes &&
    !sameParty({ countryCode: String(b.country_code), partyId: String(b.party_id) }, owner)
  ) {
    throw invalidParameters(
      `country_code and party_id of the body (${b.country_code}/${b.party_id}) differ from the URL (${partyName(owner)})`,
    );
  }
  const id = params[idParam] as string;
  if (idField !== "" && String(b[idField]).toUpperCase() !== id.toUpperCase()) {
    throw invalidParameters(`${idField} of the body (${b[idField]}) differs from the URL (${id})`);
  }
}

/**
 * The hub answers a GET of locations or tariffs itself, from its cache,
 * when OCPI-to names the hub (GET All via Hubs; one object by id), and
 * for a list or a hub-only path without OCPI-to: a list GET cannot be
 * open-routed (transport_and_format: Open Routing Request).
 */
function answeredFromCache(op: Operation, routing: Routing): CachedModule | undefined {
  if (op.method !== "GET" || !isCached(op.module)) return undefined;
  if (routing.to === "hub") return op.module;
  if (routing.to === undefined && (op.paginated || op.hubOnly)) return op.module;
  return undefined;
}

function checkPage(op: Operation, query: string): void {
  const q = Object.fromEntries(new URLSearchParams(query));
  parsePage(q, Number.MAX_SAFE_INTEGER);
  if (op.requiresDateFrom && (q.date_from === undefined || q.date_from === "")) {
    throw invalidParameters(`date_from is required on the ${op.module} Sender's list`);
  }
}

/** A request on its way to its receiver, as learn() and conclude() see it. */
interface Routed {
  op: Operation;
  params: Params;
  body: unknown;
  routing: Routing;
  target: Target;
  /** The query string as received. */
  query: string;
}

/**
 * What the answer changes before it goes back: a Link rewritten to the
 * hub, a CDR's Location replaced by a hub URL, and the setter of an
 * accepted charging profile remembered for its ActiveChargingProfile PUTs.
 * Returns the headers to add to the relayed answer.
 */
async function conclude(
  c: Context<AppEnv>,
  r: Routed,
  res: OutboundResponse,
  hubEndpoint: string,
): Promise<Record<string, string>> {
  const deps = c.get("deps");
  const extra: Record<string, string> = {};
  if (r.op.paginated) {
    const link = rewriteLink(
      res.headers[Header.link],
      r.target.endpoint,
      `${deps.config.hubUrl}${hubEndpoint}`,
    );
    if (link !== undefined) extra[OutHeader.link] = link;
  }
  if (r.op.effect === "cdr-posted") {
    const location = await linkCdr(c, res, r.routing, r.target);
    if (location !== undefined) extra.Location = location;
  }
  if (r.op.effect === "profile-request" && r.op.method === "PUT" && accepted(res)) {
    await remember(c, () =>
      deps.routing.putHint(
        "profile",
        r.target.party,
        r.params.session_id as string,
        r.routing.from,
        deps.clock.now(),
      ),
    );
  }
  return extra;
}

/**
 * What the hub keeps from a request for later open routing: token owners,
 * locations' CPOs, sessions' receivers, reservations' CPOs. It runs while
 * the request is forwarded; a failure is logged, never the requester's.
 */
function learn(
  c: Context<AppEnv>,
  r: Omit<Routed, "target"> & { target: Target | undefined },
): Promise<void> | undefined {
  const { op, params, routing, target } = r;
  if (op.effect === undefined) return undefined;
  const store = c.get("deps").routing;
  const now = c.get("deps").clock.now();
  const owner = urlOwner(params);
  const b = r.body as Record<string, unknown>;
  switch (op.effect) {
    case "location":
      return remember(c, () =>
        store.putHint("location", owner, params.location_id as string, owner, now),
      );
    case "session":
      if (target === undefined) return undefined;
      return remember(c, () =>
        store.putHint("session", owner, params.session_id as string, target.party, now),
      );
    case "token-put":
      return remember(c, () =>
        store.putToken(
          {
            owner,
            uid: params.token_uid as string,
            type: String(b.type),
            valid: b.valid === true,
            lastUpdated: String(b.last_updated),
          },
          now,
        ),
      );
    case "token-patch":
      return remember(c, () =>
        store.patchToken(
          {
            owner,
            uid: params.token_uid as string,
            type: new URLSearchParams(r.query).get("type") ?? "RFID",
            valid: typeof b.valid === "boolean" ? b.valid : undefined,
            lastUpdated: String(b.last_updated),
          },
          now,
        ),
      );
    case "command":
      if (params.command !== "RESERVE_NOW" || target === undefined) return undefined;
      return remember(c, () =>
        store.putHint("reservation", routing.from, String(b.reservation_id), target.party, now),
      );
    default:
      return undefined;
  }
}

async function remember(c: Context<AppEnv>, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    requestLog(c).error({ err }, "could not record a routing hint");
  }
}

/** A posted CDR's Location, replaced by a hub URL through which the CPO can GET it. */
async function linkCdr(
  c: Context<AppEnv>,
  res: OutboundResponse,
  routing: Routing,
  target: Target,
): Promise<string | undefined> {
  const location = res.headers.location;
  if (location === undefined || res.body.status_code < 1000 || res.body.status_code >= 2000) {
    return undefined;
  }
  const deps = c.get("deps");
  const id = randomBytes(18).toString("base64url");
  await deps.routing.createCdrLink({
    id,
    emspPlatformId: target.platform.id,
    emspCountryCode: target.party.countryCode,
    emspPartyId: target.party.partyId,
    cpoCountryCode: routing.from.countryCode,
    cpoPartyId: routing.from.partyId,
    url: location,
    createdAt: deps.clock.now(),
  });
  return `${deps.config.hubUrl}/ocpi/${OCPI_VERSION}/cdrs/receiver/${id}`;
}

/** Path segments after the endpoint and the query, both as received. */
function splitUrl(url: string, endpoint: string): { raw: string[]; query: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const q = url.indexOf("?", start);
  const path = q === -1 ? url.slice(start) : url.slice(start, q);
  const raw = path
    .slice(endpoint.length)
    .split("/")
    .filter((s) => s !== "");
  return { raw, query: q === -1 ? "" : url.slice(q + 1) };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidParameters(`the URL segment "${segment}" is not validly percent-encoded`);
  }
}

/** The receiver's endpoint with the same suffix and query; joined with exactly one '/'. */
function joinUrl(endpoint: string, raw: readonly string[], query: string): string {
  const base = endpoint.endsWith("/") ? endpoint.slice(0, -1) : endpoint;
  const tail = raw.length === 0 ? "" : `/${raw.join("/")}`;
  return query === "" ? `${base}${tail}` : `${base}${tail}?${query}`;
}
