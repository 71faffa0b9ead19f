import type { OutboundResponse } from "../egress/ocpi-client.js";
import { isCached } from "../modules/index.js";
import type { PartyRef } from "../ocpi/parties.js";
import { OCPI_2_1_1 } from "../ocpi/version.js";
import { writeThrough } from "./cache-answers.js";
import { type OpenedCallback, openCallback, settleCallback } from "./callbacks.js";
import type { CheckedRequest } from "./checks.js";
import type { Target } from "./decide.js";
import { relay, sendHop } from "./forward.js";
import { recordRouteHints, rewriteAnswer } from "./hints.js";
import type { CallerScope } from "./scope.js";
import { requestFor211 } from "./v211-hop.js";

/**
 * Forwards a request to its receiver and relays the answer: a cached
 * module's push is written to the cache on the way, a response_url is
 * replaced by a hub callback, what the request teaches open routing is
 * recorded meanwhile, and the answer's Link and Location point at the hub.
 */
export async function forwardRequest(
  scope: CallerScope,
  f: CheckedRequest,
  target: Target,
  /**
   * OCPI-to of the hop: direct routing passes the pair on as received; open
   * routing names the receiver it chose.
   */
  to: PartyRef,
): Promise<Response> {
  const { op, params, body } = f;
  // A 2.1.1 receiver's request, or its refusal before anything is cached, opened or sent.
  const edge =
    target.platform.version === OCPI_2_1_1 ? await requestFor211(scope, f, target) : undefined;
  let caching: Promise<void> | undefined;
  if (op.iface === "RECEIVER" && isCached(op.module)) {
    caching = (await writeThrough(scope, op.module, op.method, params, body)).pending;
  }

  let text = f.text;
  let query = f.query;
  let callback: OpenedCallback | undefined;
  if (op.responseUrl !== undefined) {
    callback = await openCallback(scope, {
      op,
      params,
      body,
      text: f.text ?? "",
      query,
      routing: f.routing,
      target,
    });
    if (callback.body !== undefined) text = callback.body;
    if (callback.query !== undefined) query = callback.query;
  }
  if (edge !== undefined) {
    text = edge.body(callback?.url);
    query = edge.query;
  }

  const recording = recordRouteHints(scope, f, target);
  let cacheFailure: unknown;
  let res: OutboundResponse | undefined;
  try {
    const sent = await sendHop(scope, {
      method: op.method,
      url: joinUrl(target.endpoint, f.path, query),
      platform: target.platform,
      receiver: target.party,
      to,
      from: f.routing.from,
      body: text,
    });
    res = edge === undefined ? sent : await edge.answer(sent);
  } finally {
    await recording;
    // The copy is up to date before the sender hears back; if it could not be, the sender hears that.
    cacheFailure = await caching?.then(noFailure, (err: unknown) => err);
    if (callback !== undefined) {
      await settleCallback(scope, callback, body, res).catch((err: unknown) =>
        scope.log.error({ err }, "could not settle a callback"),
      );
    }
  }

  if (cacheFailure !== undefined) throw cacheFailure;
  const extra = await rewriteAnswer(scope, f, target, res);
  return relay(scope, res, { to: f.routing.from, from: target.party }, extra);
}

/**
 * The receiver's endpoint with the request's path (already rebuilt from
 * checked parameters) and query; joined with exactly one '/'.
 */
function joinUrl(endpoint: string, path: string, query: string): string {
  const base = endpoint.endsWith("/") ? endpoint.slice(0, -1) : endpoint;
  return query === "" ? `${base}${path}` : `${base}${path}?${query}`;
}

const noFailure = () => undefined;
