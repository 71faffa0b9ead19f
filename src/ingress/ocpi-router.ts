import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import type { FunctionalModuleSpec } from "../modules/module-spec.js";
import { invalidParameters, methodNotAllowed, notFound } from "../ocpi/errors.js";
import { Header } from "../ocpi/headers.js";
import { hubParty } from "../ocpi/parties.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
import { endpointPath } from "../ocpi/version.js";
import { readRouting, senderRule } from "../routing/decide.js";
import { interfaceOperations } from "../routing/operations.js";
import { readsBody, route } from "../routing/route.js";
import { requireCaller } from "./authenticate.js";
import { callerScopeOf } from "./request-scope.js";

/**
 * One routed interface of the hub, e.g. the locations Receiver at
 * /ocpi/2.2.1/locations/receiver: every request is authenticated, matched
 * to an operation of the module's record, its routing headers read, and
 * handed to routing with the body as received.
 */
export function routedInterface(module: FunctionalModuleSpec, iface: InterfaceRole) {
  const { match } = interfaceOperations(module, iface);
  const path = endpointPath(module.id, iface);
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
    const routing = readRouting(
      {
        fromCountryCode: c.req.header(Header.fromCountryCode),
        fromPartyId: c.req.header(Header.fromPartyId),
        toCountryCode: c.req.header(Header.toCountryCode),
        toPartyId: c.req.header(Header.toPartyId),
      },
      scope.caller.platform.roles,
      hubParty(scope.deps.config),
      senderRule(op),
    );
    op.checkParams?.(params);
    const received = readsBody(op) ? await c.req.text() : undefined;
    return route(scope, { op, params, raw, query, routing, received });
  });
  return routes;
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
