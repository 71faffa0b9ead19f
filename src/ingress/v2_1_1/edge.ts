import type { z } from "zod";
import type { Params } from "../../modules/module-spec.js";
import { pageHeaders, parsePage } from "../../ocpi/pagination.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import { parseJson, validate } from "../../ocpi/validate.js";
import { endpointOf, type Party } from "../../registry/registry.js";
import { CACHE_PAGE_MAX } from "../../routing/cache-answers.js";
import type { Operation } from "../../routing/operations.js";
import { type CallerScope, reply } from "../../routing/scope.js";
import type { Json } from "../../versions/v2_1_1/mapping.js";
import type { Translated, TranslationContext } from "../../versions/v2_1_1/translation.js";
import type { DataTo211 } from "./answer.js";

/** One request of a 2.1.1 platform, matched to the 2.2.1 operation the hub routes it as. */
export interface EdgeRequest {
  scope: CallerScope;
  /** The platform's one party: 2.1.1 has no OCPI-from, so it is the sender. */
  party: Party;
  op: Operation;
  params: Params;
  /** The method as received (a 2.1.1 tariff PATCH is routed as a PUT). */
  method: string;
  /** The query as received, without '?'. */
  query: string;
  ctx: TranslationContext;
}

/** The 2.2.1 request a 2.1.1 request becomes: its body, and the query it is routed with. */
export interface Inbound {
  /** The 2.2.1 body and what translating lost; undefined when the request has no body. */
  body: Translated<Json> | undefined;
  /** The query routing reads, when it differs from the received one (tokens: `?type=`). */
  query?: string;
}

/**
 * What one module needs at the 2.1.1 edge beyond its 2.2.1 record: which
 * operations 2.1.1 has, whom a request is addressed to (2.1.1 has no
 * routing headers), how its body and its answer are translated.
 */
export interface Edge211 {
  /** The 2.2.1 method a request is matched by; the received one when absent. */
  method?(received: string): string;
  /** Why 2.1.1 has no such operation, or undefined when it has. */
  absent?(op: Operation): string | undefined;
  /** Checked before the body is read (a 2.1.1 command the URL names). */
  checkParams?(params: Params): void;
  /**
   * Whom routing addresses: the hub (a broadcast push, a read of the
   * cache), or nobody, the content naming the receiver (open routing).
   */
  address(op: Operation): "hub" | "open";
  /**
   * The 2.2.1 request a 2.1.1 one becomes, from the body as received
   * (undefined when the operation reads none); without it, a request
   * without a body, as received.
   */
  request?(req: EdgeRequest, text: string | undefined): Promise<Inbound>;
  /** How each object of the answer's data goes back; undefined: as it is. */
  answer?(req: EdgeRequest): DataTo211 | undefined;
  /** A Location header the hub wrote, as the URL a 2.1.1 platform reads it at. */
  relink?(hubUrl: string, url: string): string;
  /** A request the hub answers itself over 2.1.1 instead of routing it. */
  local?(req: EdgeRequest): Response | undefined;
  /**
   * When open routing cannot tell the receiver: the 2001 message naming
   * the 2.1.1 field that should have told it (2.1.1 has no OCPI-to to ask
   * for, nor the 4001 of 2.2.1 hubs).
   */
  unknownReceiver?(req: EdgeRequest, body: Json | undefined): string;
}

/** A 2.1.1 body validated with its 2.1.1 schema: 2001 naming each failing field. */
export function read211(req: EdgeRequest, schema: z.ZodType, text: string, what: string): Json {
  return validate(
    schema,
    parseJson(text),
    `${what} (OCPI 2.1.1)`,
    req.scope.deps.config.validation,
  ) as Json;
}

/**
 * A 2.1.1 eMSP's pull of sessions or CDRs (the CPO interface's GET).
 * Through a hub there is no one CPO to pull from, and the hub keeps no
 * sessions or CDRs: each goes to the eMSP of its token as the CPO sends
 * it. So the pull is answered with an empty page and a status_message
 * saying why, which a periodic pull takes as "nothing new" rather than
 * failing on; it also says when the eMSP lists no endpoint to receive
 * them, as then the hub refuses them to the CPO.
 */
export function emptyPull(req: EdgeRequest, objects: string): Response {
  const { scope, op } = req;
  const module = op.module.id;
  const page = parsePage(Object.fromEntries(new URLSearchParams(req.query)), CACHE_PAGE_MAX);
  const receives = endpointOf(scope.caller.platform, module, "RECEIVER") !== undefined;
  const why = receives
    ? `the hub pushes them to your ${module} endpoint as CPOs send them`
    : `your platform lists no ${module} endpoint, so the hub cannot send you any: CPOs are refused them`;
  const headers = pageHeaders(scope.url, scope.deps.config.hubUrl, page, CACHE_PAGE_MAX, 0);
  return reply(scope, StatusCode.Success, [], {
    message: `the hub keeps no ${objects} to pull over OCPI 2.1.1; ${why}`,
    headers,
  });
}
