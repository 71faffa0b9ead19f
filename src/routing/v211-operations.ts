import type { z } from "zod";
import type { Params } from "../modules/module-spec.js";
import { urlOwner } from "../modules/module-spec.js";
import type { PartyRef } from "../ocpi/parties.js";
import type { Cdr } from "../ocpi/schemas/cdrs.js";
import type { CommandType } from "../ocpi/schemas/commands.js";
import type { Session, SessionPatch } from "../ocpi/schemas/sessions.js";
import type { LocationReferences, Token, TokenPatch } from "../ocpi/schemas/tokens.js";
import { cdrTo211, cdrTo221 } from "../versions/v2_1_1/cdrs.js";
import { commandResponseTo221 } from "../versions/v2_1_1/command-answers.js";
import { commandTo211 } from "../versions/v2_1_1/commands.js";
import type { Json } from "../versions/v2_1_1/mapping.js";
import {
  fullToV211,
  fullToV221,
  levelOf,
  levelOfParams,
  type ObjectLevel,
  patchToV211,
  schema211,
} from "../versions/v2_1_1/objects.js";
import { Cdr211Schema } from "../versions/v2_1_1/schemas/cdrs.js";
import { CommandResponse211Schema } from "../versions/v2_1_1/schemas/commands.js";
import { Session211Schema } from "../versions/v2_1_1/schemas/sessions.js";
import { AuthorizationInfo211Schema, Token211Schema } from "../versions/v2_1_1/schemas/tokens.js";
import { sessionPatchTo211, sessionTo211, sessionTo221 } from "../versions/v2_1_1/sessions.js";
import { authorizeQueryTo211, tokenQueryTo211 } from "../versions/v2_1_1/token-urls.js";
import {
  authorizationInfoTo221,
  locationReferencesTo211,
  tokenPatchTo211,
  tokenTo211,
  tokenTo221,
} from "../versions/v2_1_1/tokens.js";
import type { Loss, Translated, TranslationContext } from "../versions/v2_1_1/translation.js";
import type { Target } from "./decide.js";

/**
 * What each routed operation becomes towards a platform registered over
 * OCPI 2.1.1, and how its answer comes back: the request body and query
 * in 2.1.1, the answer's data in 2.2.1 (docs/ocpi-2.1.1/routing.md,
 * "Forwarded to a 2.1.1 platform"). The paths of both versions are alike
 * for every operation here; operations 2.1.1 does not have are absent.
 */

/** How long the hub tells a 2.2.1 eMSP to wait for a 2.1.1 CPO's command result (2.1.1 gives none). */
export const COMMAND_TIMEOUT_211_SECONDS = 300;

/** What a translation of one forwarded request may read. */
export interface EdgeFacts {
  params: Params;
  query: string;
  /** The 2.1.1 receiver. */
  target: Target;
  /** A context whose party is `party` (the receiver, or the owner of what an answer carries). */
  ctx(party: PartyRef): TranslationContext;
  /** The hub's 2.2.1 copy of a token of `owner`, of this type if it holds one, else of any. */
  cachedToken(owner: PartyRef, uid: string, type: string): Promise<Token | undefined>;
}

/** The answer of a 2.1.1 receiver: its data's 2.1.1 schema and translation to 2.2.1. */
export interface AnswerEdge {
  /** What the object is called in messages. */
  name: string;
  schema: z.ZodType;
  /** A page of objects rather than one. */
  list?: true;
  to221(data: Json, at: EdgeFacts): Promise<Translated<Json>> | Translated<Json>;
}

/** One operation towards a 2.1.1 receiver. */
export interface Edge211 {
  /** The 2.2.1 request body as 2.1.1 (operations with a body). */
  request?(body: Json, at: EdgeFacts): Promise<Translated<Json>> | Translated<Json>;
  /** The 2.1.1 query; the 2.2.1 one when absent. */
  query?(query: string, body: unknown, losses: Loss[]): string;
  answer?: AnswerEdge;
}

/** The level of the locations or tariffs object a URL's parameters name (objects.ts). */
function levelAt(module: string, params: Params): ObjectLevel {
  const level = levelOfParams(module, params);
  if (level === undefined) throw new Error(`${module} has no object level`);
  return level;
}

/** The answer of a GET of one locations or tariffs object owned by the URL's party. */
const ownedObject = (module: string, name: string): AnswerEdge => ({
  name,
  schema: schema211(levelOf(module, 1) as ObjectLevel, false),
  to221: (data, at) => fullToV221(levelAt(module, at.params), data, at.ctx(urlOwner(at.params))),
});

/** The answer of a Sender GET of a 2.1.1 CPO's locations or tariffs: a page, or one object. */
const senderObjects = (module: string, name: string, list: boolean): AnswerEdge => ({
  name,
  schema: schema211(levelOf(module, 1) as ObjectLevel, false),
  ...(list ? { list: true as const } : {}),
  to221: (data, at) =>
    list
      ? fullToV221(levelOf(module, 1) as ObjectLevel, data, at.ctx(at.target.party))
      : fullToV221(levelAt(module, at.params), data, at.ctx(at.target.party)),
});

/** A full 2.2.1 locations or tariffs object, or a PATCH of one, at its URL's level. */
const pushed =
  (module: string, patch: boolean) =>
  (body: Json, at: EdgeFacts): Translated<Json> => {
    const level = levelAt(module, at.params);
    return patch ? patchToV211(level, body) : fullToV211(level, body);
  };

/**
 * The answer's schema for these parameters: one locations object may be
 * an EVSE or a connector, as the URL names.
 */
export function answerSchema(edge: AnswerEdge, module: string, params: Params): z.ZodType {
  const level = edge.list === true ? undefined : levelOfParams(module, params);
  return level === undefined ? edge.schema : schema211(level, false);
}

/** A CDR a 2.1.1 eMSP serves behind its Location, for the CPO the URL's codes name. */
export const LINKED_CDR: AnswerEdge = {
  name: "CDR",
  schema: Cdr211Schema,
  to221: (data, at) => cdrTo221(data as never, at.ctx(urlOwner(at.params))),
};

/** Every operation the hub forwards to a 2.1.1 platform, by "module IFACE METHOD[ list]". */
export const EDGES: Readonly<Record<string, Edge211>> = {
  "sessions RECEIVER GET": {
    answer: {
      name: "Session",
      schema: Session211Schema,
      to221: (data, at) => sessionTo221(data as never, at.ctx(urlOwner(at.params))),
    },
  },
  "sessions RECEIVER PUT": {
    request: (body, at) => sessionTo211(body as Session, at.ctx(at.target.party)),
  },
  "sessions RECEIVER PATCH": {
    request: (body, at) =>
      sessionPatchTo211(body as SessionPatch, urlOwner(at.params), at.ctx(at.target.party)),
  },
  "sessions SENDER GET list": {
    answer: {
      name: "Session",
      schema: Session211Schema,
      list: true,
      to221: (data, at) => sessionTo221(data as never, at.ctx(at.target.party)),
    },
  },
  "cdrs RECEIVER POST": {
    request: (body, at) => cdrTo211(body as Cdr, at.ctx(at.target.party)),
  },
  "cdrs SENDER GET list": {
    answer: {
      name: "CDR",
      schema: Cdr211Schema,
      list: true,
      to221: (data, at) => cdrTo221(data as never, at.ctx(at.target.party)),
    },
  },
  "tokens RECEIVER GET": {
    query: tokenQueryTo211,
    answer: {
      name: "Token",
      schema: Token211Schema,
      to221: (data, at) => tokenTo221(data as never, at.ctx(urlOwner(at.params))),
    },
  },
  "tokens RECEIVER PUT": {
    query: tokenQueryTo211,
    request: (body) => tokenTo211(body as Token),
  },
  "tokens RECEIVER PATCH": {
    query: tokenQueryTo211,
    request: (body) => tokenPatchTo211(body as TokenPatch),
  },
  "tokens SENDER GET list": {
    answer: {
      name: "Token",
      schema: Token211Schema,
      list: true,
      to221: (data, at) => tokenTo221(data as never, at.ctx(at.target.party)),
    },
  },
  "tokens SENDER POST": {
    query: (query, _body, losses) => authorizeQueryTo211(query, losses),
    request: (body) => locationReferencesTo211(body as LocationReferences),
    answer: {
      name: "AuthorizationInfo",
      schema: AuthorizationInfo211Schema,
      to221: async (data, at) => {
        const uid = at.params.token_uid as string;
        const type = new URLSearchParams(at.query).get("type") ?? "RFID";
        const token = await at.cachedToken(at.target.party, uid, type);
        return authorizationInfoTo221(data as never, token);
      },
    },
  },
  "commands RECEIVER POST": {
    request: (body, at) => commandTo211(at.params.command as CommandType, body as never),
    answer: {
      name: "CommandResponse",
      schema: CommandResponse211Schema,
      to221: (data) => commandResponseTo221(data as never, COMMAND_TIMEOUT_211_SECONDS),
    },
  },
  "locations RECEIVER GET": { answer: ownedObject("locations", "Location") },
  "locations RECEIVER PUT": { request: pushed("locations", false) },
  "locations RECEIVER PATCH": { request: pushed("locations", true) },
  "locations SENDER GET": { answer: senderObjects("locations", "Location", false) },
  "locations SENDER GET list": { answer: senderObjects("locations", "Location", true) },
  "tariffs RECEIVER GET": { answer: ownedObject("tariffs", "Tariff") },
  "tariffs RECEIVER PUT": { request: pushed("tariffs", false) },
  "tariffs RECEIVER DELETE": {},
  "tariffs SENDER GET list": { answer: senderObjects("tariffs", "Tariff", true) },
};
