import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { answerList, answerObject } from "../cache/http.js";
import { requireCaller } from "../ingress/authenticate.js";
import { type CallerScope, callerScopeOf } from "../ingress/request-scope.js";
import type { FunctionalModuleSpec, Params } from "../modules/module-spec.js";
import { invalidParameters, methodNotAllowed, notFound } from "../ocpi/errors.js";
import { Header } from "../ocpi/headers.js";
import { hubParty } from "../ocpi/parties.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
import { hubUrls } from "../ocpi/version.js";
import { broadcast } from "./broadcast.js";
import { fetchLinkedCdr, receiveCallback } from "./callbacks.js";
import { checkRequest, parseBody } from "./checks.js";
import {
  decide,
  directTo,
  type Routing,
  type RoutingDecision,
  type RoutingHeaderValues,
  readRouting as readRoutingHeaders,
} from "./decide.js";
import { forwardRequest } from "./direct.js";
import { openRoute } from "./open-routing.js";
import { interfaceOperations, type Operation } from "./operations.js";

/**
 * One routed interface of the hub, e.g. the locations Receiver at
 * /ocpi/2.2.1/locations/receiver: every request is authenticated, its
 * routing headers and body checked, its receiver decided (OCPI-to, or open
 * routing by content), and the decision carried out.
 */
export function routedInterface(module: FunctionalModuleSpec, iface: InterfaceRole) {
  const { match } = interfaceOperations(module, iface);
  const path = hubUrls("").endpointPath(module.id, iface);
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("full"));
  routes.all("*", async (c) => {
    const { raw, query } = splitUrl(c.req.url, path);
    const segments = raw.map(decodeSegment);
    const found = match(c.req.method, segments);
    if (found.kind === "none") {
      throw notFound(`the ${module.id} ${iface} interface has no ${c.req.method} ${c.req.path}`);
    }
    if (found.kind === "method") {
      throw methodNotAllowed(
        `the ${module.id} ${iface} interface takes ${found.allowed.join(", ")} here, not ${c.req.method}`,
        found.allowed,
      );
    }
    const { op, params } = found;
    const scope = callerScopeOf(c);
    const routing = readRouting(scope, {
      fromCountryCode: c.req.header(Header.fromCountryCode),
      fromPartyId: c.req.header(Header.fromPartyId),
      toCountryCode: c.req.header(Header.toCountryCode),
      toPartyId: c.req.header(Header.toPartyId),
    });
    op.checkParams?.(params);
    const received = readsBody(op) ? await c.req.text() : undefined;
    return route(scope, { op, params, raw, query, routing, received });
  });
  return routes;
}

/** A matched request with its routing pair, its body not yet checked. */
interface Incoming {
  op: Operation;
  params: Params;
  /** The path segments after the endpoint, as received (still percent-encoded). */
  raw: readonly string[];
  /** The query string without '?', as received. */
  query: string;
  routing: Routing;
  /** The body as received, when the operation reads one. */
  received: string | undefined;
}

/** Validate → decide → carry out the decision. */
async function route(scope: CallerScope, req: Incoming): Promise<Response> {
  const { op, params, query, routing } = req;
  const { text, body } = parseBody(op, params, req.received);
  checkRequest(scope.caller.platform.roles, op, { params, query, body });
  const decision = decide({ op, params, routing }, scope.deps.registry);
  return carryOut(scope, decision, { ...req, text, body });
}

/** Carries out one routing decision; each kind has its own function. */
async function carryOut(
  scope: CallerScope,
  decision: RoutingDecision,
  req: Incoming & { text: string | undefined; body: unknown },
): Promise<Response> {
  const { op, params, routing, query } = req;
  switch (decision.kind) {
    case "reject":
      throw decision.error;
    case "callback":
      return receiveCallback(scope, { op, params, routing, body: req.body, raw: req.text ?? "" });
    case "cdr-link":
      return fetchLinkedCdr(scope, { params, routing });
    case "cache-list":
      return answerList(scope, decision.module, query, routing.from);
    case "cache-object":
      return answerObject(scope, decision.module, params, routing.from, decision.owner);
    case "broadcast":
      return broadcast(scope, { ...req, module: decision.module });
    case "direct":
      return forwardRequest(scope, { ...req, target: decision.target, to: decision.to });
    case "open": {
      const to = await openRoute(scope.deps, {
        op,
        params,
        body: req.body,
        from: routing.from,
        query,
      });
      const chosen = directTo(scope.deps.registry, to, op);
      if (chosen.kind !== "direct") return carryOut(scope, chosen, req);
      return forwardRequest(scope, { ...req, target: chosen.target, to: chosen.target.party });
    }
  }
}

/** Reads the routing headers against the caller's parties and the hub's own codes. */
function readRouting(scope: CallerScope, headers: RoutingHeaderValues): Routing {
  return readRoutingHeaders(headers, scope.caller.platform.roles, hubParty(scope.deps.config));
}

const readsBody = (op: Operation) => op.body !== undefined || op.local === "callback";

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
