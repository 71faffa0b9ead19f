import type { Params } from "../modules/module-spec.js";
import type { PartyRef } from "../ocpi/parties.js";
import { StatusCode } from "../ocpi/status-codes.js";
import { broadcast } from "./broadcast.js";
import { answerList, answerObject } from "./cache-answers.js";
import { fetchLinkedCdr, receiveCallback } from "./callbacks.js";
import { type CheckedRequest, checkRequest, parseBody } from "./checks.js";
import { decide, directTo, mayReach, type Routing, type RoutingDecision } from "./decide.js";
import { forwardRequest } from "./direct.js";
import { openRoute } from "./open-routing.js";
import { type Operation, outboundPath } from "./operations.js";
import type { CallerScope } from "./scope.js";

/** A matched request with its routing pair, its body not yet checked. */
export interface Incoming {
  op: Operation;
  params: Params;
  /** The query string without '?', as received. */
  query: string;
  routing: Routing;
  /** The body as received, when the operation reads one (see readsBody). */
  received: string | undefined;
}

/** Whether an operation reads the request body. */
export const readsBody = (op: Operation) => op.body !== undefined || op.local === "callback";

/** Validate → decide → carry out the decision. */
export async function route(scope: CallerScope, req: Incoming): Promise<Response> {
  const { op, params, query, routing } = req;
  const { text, body } = parseBody(op, params, req.received, scope.deps.config.validation);
  checkRequest(scope.caller.platform.roles, op, { params, query, body });
  const decision = decide({ op, params, routing }, scope.deps.registry);
  const path = outboundPath(op, params);
  return carryOut(scope, decision, { op, params, body, text, path, query, routing });
}

/** Carries out one routing decision; each kind has its own function. */
async function carryOut(
  scope: CallerScope,
  decision: RoutingDecision,
  req: CheckedRequest,
): Promise<Response> {
  const { op, params, routing, query } = req;
  switch (decision.kind) {
    case "reject":
      throw decision.error;
    case "callback":
      return receiveCallback(scope, { op, params, routing, body: req.body, raw: req.text ?? "" });
    case "cdr-link":
      return fetchLinkedCdr(scope, { params, routing, module: op.module.id });
    case "cache-list":
      return answerList(scope, decision.module, query, routing.from);
    case "cache-object":
      return answerObject(scope, decision.module, params, routing.from, decision.owner);
    case "broadcast":
      return broadcast(scope, req, decision.module);
    case "direct":
      return forwardRequest(scope, req, decision.target, decision.to);
    case "open": {
      const { deps } = scope;
      const claimed = await openRoute(deps, {
        op,
        params,
        body: req.body,
        from: routing.from,
        query,
      });
      // Claimants the sender has no roaming agreement with are not considered.
      const allowed = claimed.filter((p) => mayReach(deps.registry, routing.from, p, op));
      const found = allowed.length > 0 ? allowed : claimed;
      if (op.inTurn !== undefined && found.length > 1) return askInTurn(scope, req, found);
      const chosen = directTo(deps.registry, routing.from, found[0] as PartyRef, op);
      if (chosen.kind !== "direct") return carryOut(scope, chosen, req);
      // Open routing names the receiver it chose in OCPI-to.
      return forwardRequest(scope, req, chosen.target, chosen.target.party);
    }
  }
}

/**
 * Asks each claimant in turn, earliest claim first, and relays the first
 * answer the operation accepts (real-time authorization: the first
 * ALLOWED); when none does, the earliest claimant's answer, or its error.
 */
async function askInTurn(
  scope: CallerScope,
  req: CheckedRequest,
  claimants: readonly PartyRef[],
): Promise<Response> {
  const accepts = req.op.inTurn as (data: unknown) => boolean;
  let first: { answer: Response } | { error: unknown } | undefined;
  for (const party of claimants) {
    const chosen = directTo(scope.deps.registry, req.routing.from, party, req.op);
    if (chosen.kind !== "direct") continue;
    let answer: Response;
    try {
      answer = await forwardRequest(scope, req, chosen.target, chosen.target.party);
    } catch (error) {
      first ??= { error };
      continue;
    }
    const envelope = (await answer
      .clone()
      .json()
      .catch(() => undefined)) as { status_code?: number; data?: unknown } | undefined;
    if (envelope?.status_code === StatusCode.Success && accepts(envelope.data)) return answer;
    first ??= { answer };
  }
  if (first === undefined)
    return carryOut(
      scope,
      directTo(scope.deps.registry, req.routing.from, claimants[0] as PartyRef, req.op),
      req,
    );
  if ("error" in first) throw first.error;
  return first.answer;
}
