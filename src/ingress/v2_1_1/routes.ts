import { Hono } from "hono";
import type { AppEnv } from "../../app-env.js";
import { MODULES } from "../../modules/index.js";
import type { FunctionalModuleSpec } from "../../modules/module-spec.js";
import { forbidden, methodNotAllowed, notFound } from "../../ocpi/errors.js";
import { hubParty } from "../../ocpi/parties.js";
import { OCPI_2_1_1 } from "../../ocpi/version.js";
import { readRouting, senderRule } from "../../routing/decide.js";
import { interfaceOperations, type Match } from "../../routing/operations.js";
import { readsBody, route } from "../../routing/route.js";
import { levelOf } from "../../versions/v2_1_1/objects.js";
import { lossNote, reportLosses } from "../../versions/v2_1_1/report.js";
import type { Loss } from "../../versions/v2_1_1/translation.js";
import { requireCaller } from "../authenticate.js";
import { requestTarget } from "../incoming.js";
import { queryOf, segmentsAfter } from "../ocpi-router.js";
import { callerScopeOf } from "../request-scope.js";
import { answer211 } from "./answer.js";
import { levelOfParams, translateIn } from "./inbound.js";

/** The modules a 2.1.1 platform exchanges through the hub so far. */
export type Module211 = "locations" | "tariffs";

const NONE: Match = { kind: "none" };

/**
 * One 2.1.1 module of the hub at /ocpi/2.1.1/{module}. 2.1.1 gives a
 * platform one URL per module, so the caller's role picks the interface:
 * a CPO pushes to the hub's eMSP interface (Receiver), an eMSP reads the
 * hub's CPO interface (Sender). The request is authenticated (the token
 * raw or Base64), its body validated with the 2.1.1 schema and translated
 * to 2.2.1, and then routed as a 2.2.1 request of the platform's one party
 * (2.1.1 has no OCPI-from) to the hub: a push is a broadcast, a GET is
 * answered from the cache. The answer goes back in 2.1.1's terms.
 */
export function routes211(id: Module211) {
  const module = MODULES.find((m) => m.id === id) as FunctionalModuleSpec;
  const matchers = {
    RECEIVER: interfaceOperations(module, "RECEIVER").match,
    SENDER: interfaceOperations(module, "SENDER").match,
  };
  const endpoint = ["ocpi", OCPI_2_1_1, id];
  const routes = new Hono<AppEnv>();
  routes.use("*", requireCaller("full"));
  routes.all("*", async (c) => {
    const scope = callerScopeOf(c);
    const report = { logger: scope.log, metrics: scope.deps.metrics };
    const roles = scope.caller.platform.roles;
    const party = roles[0];
    if (party === undefined || (party.role !== "CPO" && party.role !== "EMSP")) {
      throw forbidden(`the ${id} module over OCPI 2.1.1 is for CPOs and eMSPs`);
    }
    const iface = party.role === "CPO" ? "RECEIVER" : "SENDER";
    // 2.2.1 has no tariff PATCH: the patched tariff goes on as a PUT of the whole (inbound.ts).
    const method = id === "tariffs" && c.req.method === "PATCH" ? "PUT" : c.req.method;
    const segments = segmentsAfter(requestTarget(c), endpoint);
    const found = segments === undefined ? NONE : matchers[iface](method, segments);
    const side = iface === "RECEIVER" ? "eMSP" : "CPO";
    if (found.kind === "none") {
      throw notFound(`the hub's ${id} ${side} interface has no ${c.req.method} ${c.req.path}`);
    }
    if (found.kind === "method") {
      throw methodNotAllowed(
        `the hub's ${id} ${side} interface takes ${found.allowed.join(", ")} here, not ${c.req.method}`,
        found.allowed,
      );
    }
    const { op, params } = found;
    const hub = hubParty(scope.deps.config);
    const routing = readRouting(
      {
        fromCountryCode: party.countryCode,
        fromPartyId: party.partyId,
        toCountryCode: hub.countryCode,
        toPartyId: hub.partyId,
      },
      roles,
      hub,
      senderRule(op),
    );
    op.checkParams?.(params);
    let received: string | undefined;
    let note = "";
    if (readsBody(op)) {
      const text = await c.req.text();
      const translated = await translateIn(scope, id, c.req.method, params, text, party);
      note = lossNote(translated.losses);
      reportLosses(report, id, translated, { method: c.req.method });
      received = JSON.stringify(translated.value);
    }
    const query = queryOf(c.req.url);
    const res = await route(scope, { op, params, query, routing, received });
    const read = op.method === "GET" ? (levelOfParams(id, params) ?? levelOf(id, 1)) : undefined;
    const reportRead = (losses: readonly Loss[]) => reportLosses(report, id, { losses }, {});
    return answer211(res, read, note, reportRead, scope.log);
  });
  return routes;
}
