import { type Context, Hono } from "hono";
import type { AppEnv } from "../../app-env.js";
import { MODULES } from "../../modules/index.js";
import type { FunctionalModuleSpec } from "../../modules/module-spec.js";
import {
  forbidden,
  invalidParameters,
  methodNotAllowed,
  notFound,
  OcpiError,
} from "../../ocpi/errors.js";
import { hubParty } from "../../ocpi/parties.js";
import type { InterfaceRole } from "../../ocpi/schemas/version.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import { OCPI_2_1_1 } from "../../ocpi/version.js";
import type { Party } from "../../registry/registry.js";
import { type Routing, readRouting, senderRule } from "../../routing/decide.js";
import { interfaceOperations, type Match } from "../../routing/operations.js";
import { readsBody, route } from "../../routing/route.js";
import type { CallerScope } from "../../routing/scope.js";
import { translationContext } from "../../routing/v211-context.js";
import { lossNote, reportLosses } from "../../versions/v2_1_1/report.js";
import type { Loss } from "../../versions/v2_1_1/translation.js";
import { requireCaller } from "../authenticate.js";
import { requestTarget } from "../incoming.js";
import { queryOf, segmentsAfter } from "../ocpi-router.js";
import { callerScopeOf } from "../request-scope.js";
import { answer211 } from "./answer.js";
import type { Edge211, EdgeRequest, Inbound } from "./edge.js";
import { EDGES, type Module211 } from "./edges.js";

export { MODULES_2_1_1, type Module211 } from "./edges.js";

const NONE: Match = { kind: "none" };

/**
 * The interface of the hub a 2.1.1 party calls: 2.1.1 gives a platform one
 * URL per module, so its role decides. A party of a role that implements
 * one interface of the module (a CPO sends locations, receives tokens)
 * calls the hub's other one, where the hub stands in for the other side.
 */
function hubInterface(module: FunctionalModuleSpec, role: string): InterfaceRole | undefined {
  if ((module.roles.SENDER as readonly string[]).includes(role)) return "RECEIVER";
  if ((module.roles.RECEIVER as readonly string[]).includes(role)) return "SENDER";
  return undefined;
}

/**
 * One 2.1.1 module of the hub at /ocpi/2.1.1/{module}. The request is
 * authenticated (the token raw or Base64), matched to the 2.2.1 operation
 * of the interface the caller's role calls, its body validated with the
 * 2.1.1 schema and translated to 2.2.1 (edges.ts: what each module needs),
 * and routed as a 2.2.1 request of the platform's one party (2.1.1 has no
 * OCPI-from): addressed to the hub (a broadcast, a read of the cache), or
 * to nobody, the content naming the receiver (open routing). The answer
 * goes back in 2.1.1's terms.
 */
export function routes211(id: Module211) {
  const module = MODULES.find((m) => m.id === id) as FunctionalModuleSpec;
  const edge = EDGES[id];
  const matchers = {
    RECEIVER: interfaceOperations(module, "RECEIVER").match,
    SENDER: interfaceOperations(module, "SENDER").match,
  };
  const endpoint = ["ocpi", OCPI_2_1_1, id];
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("full"));
  routes.all("*", async (c) => {
    const scope = callerScopeOf(c);
    const party = scope.caller.platform.roles[0];
    const iface = party && hubInterface(module, party.role);
    if (party === undefined || iface === undefined) {
      throw forbidden(`the ${id} module over OCPI 2.1.1 is for CPOs and eMSPs`);
    }
    const req = matchRequest(c, scope, { edge, iface, party, match: matchers[iface], endpoint });
    const text = readsBody(req.op) ? await c.req.text() : undefined;
    const local = edge.local?.(req);
    if (local !== undefined) return local;
    const inbound: Inbound = edge.request ? await edge.request(req, text) : { body: undefined };
    const note = lossNote(inbound.body?.losses ?? []);
    const report = { logger: scope.log, metrics: scope.deps.metrics };
    if (inbound.body !== undefined) reportLosses(report, id, inbound.body, { method: req.method });
    const routing = routingOf(scope, req, edge.address(req.op));
    const received = inbound.body === undefined ? undefined : JSON.stringify(inbound.body.value);
    const query = inbound.query ?? req.query;
    let res: Response;
    try {
      res = await route(scope, { op: req.op, params: req.params, query, routing, received });
    } catch (err) {
      throw unknownReceiverIn211(err, edge, req, inbound);
    }
    const { relink } = edge;
    const hubUrl = scope.deps.config.hubUrl;
    return answer211(res, {
      data: edge.answer?.(req),
      note,
      report: (losses: readonly Loss[]) => reportLosses(report, id, { losses }, {}),
      relink: relink && ((url) => relink(hubUrl, url)),
      log: scope.log,
    });
  });
  return routes;
}

/** The 2.2.1 operation a 2.1.1 request matches on the hub's interface, with its parameters. */
function matchRequest(
  c: Context<AppEnv>,
  scope: CallerScope,
  at: {
    edge: Edge211;
    iface: InterfaceRole;
    party: Party;
    match: (method: string, segments: readonly string[]) => Match;
    endpoint: readonly string[];
  },
): EdgeRequest {
  const { edge, iface, party, endpoint } = at;
  const id = endpoint[2] as string;
  const method = edge.method?.(c.req.method) ?? c.req.method;
  const segments = segmentsAfter(requestTarget(c), endpoint);
  const found = segments === undefined ? NONE : at.match(method, segments);
  const side = iface === "RECEIVER" ? "eMSP" : "CPO";
  const absent = found.kind === "found" ? edge.absent?.(found.op) : undefined;
  if (found.kind === "none" || absent !== undefined) {
    const why = absent === undefined ? "" : ` (${absent})`;
    throw notFound(`the hub's ${id} ${side} interface has no ${c.req.method} ${c.req.path}${why}`);
  }
  if (found.kind === "method") {
    throw methodNotAllowed(
      `the hub's ${id} ${side} interface takes ${found.allowed.join(", ")} here, not ${c.req.method}`,
      found.allowed,
    );
  }
  const { op, params } = found;
  edge.checkParams?.(params);
  op.checkParams?.(params);
  const ctx = translationContext(scope.deps, party);
  return { scope, party, op, params, method: c.req.method, query: queryOf(c.req.url), ctx };
}

/** The routing pair of a 2.1.1 request: from the platform's one party, to the hub or nobody. */
function routingOf(scope: CallerScope, req: EdgeRequest, address: "hub" | "open"): Routing {
  const hub = hubParty(scope.deps.config);
  return readRouting(
    {
      fromCountryCode: req.party.countryCode,
      fromPartyId: req.party.partyId,
      toCountryCode: address === "hub" ? hub.countryCode : undefined,
      toPartyId: address === "hub" ? hub.partyId : undefined,
    },
    scope.caller.platform.roles,
    hub,
    senderRule(req.op),
  );
}

/**
 * Open routing that cannot tell the receiver answers 4001 and asks for
 * OCPI-to; a 2.1.1 platform has neither, so it gets 2001 naming the field
 * of its request that should have told (the edge's message). Any other
 * error as it is.
 */
function unknownReceiverIn211(
  err: unknown,
  edge: Edge211,
  req: EdgeRequest,
  inbound: Inbound,
): unknown {
  // A linked CDR whose eMSP has left is 4001 too, but no receiver was sought by content.
  const unknown =
    err instanceof OcpiError &&
    err.statusCode === StatusCode.UnknownReceiver &&
    req.op.local === undefined;
  if (!unknown || edge.unknownReceiver === undefined) return err;
  return invalidParameters(edge.unknownReceiver(req, inbound.body?.value));
}
