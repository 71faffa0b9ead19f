import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import type { FunctionalModuleSpec } from "../modules/module-spec.js";
import { invalidParameters, methodNotAllowed, notFound } from "../ocpi/errors.js";
import { Header } from "../ocpi/headers.js";
import { hubParty } from "../ocpi/parties.js";
import type { InterfaceRole } from "../ocpi/schemas/version.js";
import { endpointPath, OCPI_2_1_1 } from "../ocpi/version.js";
import { readRouting, routingOf211, senderRule } from "../routing/decide.js";
import { interfaceOperations, type Match } from "../routing/operations.js";
import { readsBody, route } from "../routing/route.js";
import { requireCaller } from "./authenticate.js";
import { requestTarget, targetPath } from "./incoming.js";
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
  const endpointSegments = path.split("/").filter((s) => s !== "");
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("full", { routed: true }));
  routes.all("*", async (c) => {
    const segments = segmentsAfter(requestTarget(c), endpointSegments);
    const found = segments === undefined ? NONE : match(c.req.method, segments);
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
    const headers = {
      fromCountryCode: c.req.header(Header.fromCountryCode),
      fromPartyId: c.req.header(Header.fromPartyId),
      toCountryCode: c.req.header(Header.toCountryCode),
      toPartyId: c.req.header(Header.toPartyId),
    };
    c.set("routingHeaders", headers);
    const { platform } = scope.caller;
    const routing =
      op.local !== undefined && platform.version === OCPI_2_1_1 && headers.fromPartyId === undefined
        ? routingOf211(platform)
        : readRouting(headers, platform.roles, hubParty(scope.deps.config), senderRule(op));
    op.checkParams?.(params);
    const received = readsBody(op) ? await c.req.text() : undefined;
    return route(scope, { op, params, query: queryOf(c.req.url), routing, received });
  });
  return routes;
}

const NONE: Match = { kind: "none" };

/**
 * The path segments of the raw request target after the endpoint's, each
 * decoded once; undefined when the target does not start with the endpoint.
 * Empty segments (a trailing '/') are skipped.
 */
export function segmentsAfter(target: string, endpoint: readonly string[]): string[] | undefined {
  const segments = targetPath(target)
    .split("/")
    .filter((s) => s !== "")
    .map(decodeSegment);
  for (let i = 0; i < endpoint.length; i++) {
    if (segments[i] !== endpoint[i]) return undefined;
  }
  return segments.slice(endpoint.length);
}

/** The query of a URL without '?', as received. */
export function queryOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? "" : url.slice(q + 1);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidParameters(`the URL segment "${segment}" is not validly percent-encoded`);
  }
}
