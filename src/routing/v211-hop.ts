import type { OutboundResponse } from "../egress/ocpi-client.js";
import type { Envelope } from "../ocpi/envelope.js";
import { hubError, invalidAnswer, OcpiError } from "../ocpi/errors.js";
import { type PartyRef, partyName } from "../ocpi/parties.js";
import type { Token } from "../ocpi/schemas/tokens.js";
import { check, listProblems } from "../ocpi/validate.js";
import type { Json } from "../versions/v2_1_1/mapping.js";
import { lossNote, reportLosses, withNotes } from "../versions/v2_1_1/report.js";
import type { Loss } from "../versions/v2_1_1/translation.js";
import type { CheckedRequest } from "./checks.js";
import type { Target } from "./decide.js";
import type { CallerScope, RequestScope } from "./scope.js";
import { translationContext } from "./v211-context.js";
import {
  type AnswerEdge,
  answerSchema,
  EDGES,
  type EdgeFacts,
  LINKED_CDR,
} from "./v211-operations.js";

/**
 * The edge of a hop to a platform registered over OCPI 2.1.1: the hub
 * routes 2.2.1 and translates here, just before sending and just after
 * the answer. The request goes in 2.1.1 (v211-operations.ts says how for
 * each operation) or, when 2.1.1 cannot carry it, not at all: the sender
 * gets the refusal naming the field. The answer comes back in 2.2.1. What
 * either translation lost is logged and counted (report.ts) and named in
 * the relayed answer's status_message.
 */
export interface Request211 {
  /** The 2.1.1 body; `callbackUrl`, when the hub opened one, is its response_url. */
  body(callbackUrl: string | undefined): string | undefined;
  query: string;
  /** The receiver's 2.1.1 answer as 2.2.1. */
  answer(res: OutboundResponse): Promise<OutboundResponse>;
}

/**
 * The request `f` as its 2.1.1 receiver `target` takes it; throws the
 * OCPI error the sender gets when 2.1.1 cannot carry it (4000 for an
 * operation 2.1.1 lacks, 2001 naming the field for a body), before
 * anything is cached, opened or sent.
 */
export async function requestFor211(
  scope: CallerScope,
  f: CheckedRequest,
  target: Target,
): Promise<Request211> {
  const { op } = f;
  const key = `${op.module.id} ${op.iface} ${op.method}${op.paginated ? " list" : ""}`;
  const edge = EDGES[key];
  if (edge === undefined) {
    throw hubError(
      `${partyName(target.party)} is connected over OCPI 2.1.1, which has no ${op.module.id} ${op.iface} ${op.method} ${op.pattern}`,
    );
  }
  const at = edgeFacts(scope, f, target);
  const losses: Loss[] = [];
  let value: Json | undefined;
  if (edge.request !== undefined && f.body !== undefined) {
    const translated = await edge.request(f.body as Json, at);
    value = translated.value;
    losses.push(...translated.losses);
  }
  const query = edge.query === undefined ? f.query : edge.query(f.query, f.body, losses);
  reportLosses(logOf(scope), op.module.id, { losses }, { platform_id: target.platform.id });
  return {
    query,
    body: (url) =>
      value === undefined
        ? undefined
        : JSON.stringify(url === undefined ? value : { ...value, response_url: url }),
    answer: (res) =>
      answerFrom211(scope, res, {
        edge: edge.answer,
        at,
        module: op.module.id,
        note: lossNote(losses),
      }),
  };
}

/** What the translations of one hop read: the request's facts and the hub's caches. */
function edgeFacts(
  scope: RequestScope,
  f: Pick<CheckedRequest, "params" | "query">,
  target: Target,
): EdgeFacts {
  const { deps } = scope;
  return {
    params: f.params,
    query: f.query,
    target,
    ctx: (party) => translationContext(deps, party),
    cachedToken: async (owner, uid, type) => {
      const found = await deps.cache.tokensWithId(uid, { owner, hidden: [] });
      const doc = (found.find((t) => t.type === type) ?? found[0])?.doc;
      return doc as Token | undefined;
    },
  };
}

const logOf = (scope: RequestScope) => ({ logger: scope.log, metrics: scope.deps.metrics });

/**
 * A 2.1.1 answer as 2.2.1: a success's data validated with its 2.1.1
 * schema and translated (a page leaves out what it cannot translate, and
 * logs it; one object that fails is the hub's 3000, as any answer it
 * cannot relay); errors pass as they came. `note` and the answer's own
 * losses join its status_message.
 */
export async function answerFrom211(
  scope: RequestScope,
  res: OutboundResponse,
  how: { edge: AnswerEdge | undefined; at: EdgeFacts; module: string; note: string },
): Promise<OutboundResponse> {
  const { edge, at, module } = how;
  const env: Envelope = { ...res.body };
  const code = env.status_code;
  const losses: Loss[] = [];
  if (edge !== undefined && code >= 1000 && code < 2000 && env.data != null) {
    const who = `${partyName(at.target.party)} (OCPI 2.1.1)`;
    env.data =
      edge.list === true && Array.isArray(env.data)
        ? await pageTo221(scope, edge, at, { module, page: env.data as Json[] })
        : await oneTo221(edge, at, env.data, { module, who, losses, scope });
  }
  reportLosses(logOf(scope), module, { losses }, { platform_id: at.target.platform.id });
  if (env.data === res.body.data) return noted(res, [how.note, lossNote(losses)]);
  return noted({ ...res, body: env, text: JSON.stringify(env) }, [how.note, lossNote(losses)]);
}

/** An answer with `notes` (those not empty) joined to its status_message. */
export function noted(res: OutboundResponse, notes: readonly string[]): OutboundResponse {
  if (notes.every((n) => n === "")) return res;
  const env: Envelope = { ...res.body, status_message: withNotes(res.body.status_message, notes) };
  return { ...res, body: env, text: JSON.stringify(env) };
}

/**
 * The CDR a 2.1.1 eMSP answers a GET of its CDR Location with, as the
 * 2.2.1 CDR of `cpo` (the CPO that posted it and reads it back).
 */
export function linkedCdrFrom211(
  scope: RequestScope,
  res: OutboundResponse,
  { emsp, cpo }: { emsp: Target; cpo: PartyRef },
): Promise<OutboundResponse> {
  const params = { country_code: cpo.countryCode, party_id: cpo.partyId };
  const at = edgeFacts(scope, { params, query: "" }, emsp);
  return answerFrom211(scope, res, { edge: LINKED_CDR, at, module: "cdrs", note: "" });
}

/** One object of an answer as 2.2.1; one 2.1.1 cannot give is the hub's 3000 naming why. */
async function oneTo221(
  edge: AnswerEdge,
  at: EdgeFacts,
  data: unknown,
  c: { module: string; who: string; losses: Loss[]; scope: RequestScope },
): Promise<unknown> {
  const mode = c.scope.deps.config.validation;
  const checked = check(answerSchema(edge, c.module, at.params), data, mode);
  if (!checked.ok) {
    const what = `${edge.name} (OCPI 2.1.1)`;
    throw invalidAnswer(
      `${c.who} answered with an invalid ${what}: ${listProblems(checked.problems, what)}`,
    );
  }
  try {
    const translated = await edge.to221(checked.data as Json, at);
    c.losses.push(...translated.losses);
    return translated.value;
  } catch (err) {
    if (!(err instanceof OcpiError)) throw err;
    throw invalidAnswer(`${c.who} answered with what the hub cannot relay: ${err.message}`);
  }
}

/**
 * A page of 2.1.1 objects as 2.2.1; those that fail are left out and
 * logged with why. What the page lost is logged and counted, not listed
 * in the status_message, as for a 2.1.1 eMSP's read of the cache.
 */
async function pageTo221(
  scope: RequestScope,
  edge: AnswerEdge,
  at: EdgeFacts,
  { module, page }: { module: string; page: readonly Json[] },
): Promise<Json[]> {
  const out: Json[] = [];
  const left: { id: unknown; reason: string }[] = [];
  const losses: Loss[] = [];
  const mode = scope.deps.config.validation;
  for (const item of page) {
    const checked = check(edge.schema, item, mode);
    if (!checked.ok) {
      left.push({ id: item?.id, reason: listProblems(checked.problems, edge.name) });
      continue;
    }
    try {
      const translated = await edge.to221(checked.data as Json, at);
      losses.push(...translated.losses);
      out.push(translated.value);
    } catch (err) {
      if (!(err instanceof OcpiError)) throw err;
      left.push({ id: item?.id, reason: err.message });
    }
  }
  reportLosses(logOf(scope), module, { losses }, { platform_id: at.target.platform.id });
  if (left.length > 0) {
    scope.log.warn(
      { platform_id: at.target.platform.id, left_out: left },
      `objects left out of an OCPI 2.1.1 ${edge.name} list`,
    );
  }
  return out;
}
