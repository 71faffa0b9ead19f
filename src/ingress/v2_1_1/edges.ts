import type { Cdr } from "../../ocpi/schemas/cdrs.js";
import type { Session } from "../../ocpi/schemas/sessions.js";
import { hubUrls, OCPI_2_1_1 } from "../../ocpi/version.js";
import { cdrTo211, cdrTo221 } from "../../versions/v2_1_1/cdrs.js";
import type { Json } from "../../versions/v2_1_1/mapping.js";
import { levelOf, levelOfParams } from "../../versions/v2_1_1/objects.js";
import { type Cdr211, Cdr211Schema } from "../../versions/v2_1_1/schemas/cdrs.js";
import {
  type Session211,
  type Session211Patch,
  Session211PatchSchema,
  Session211Schema,
} from "../../versions/v2_1_1/schemas/sessions.js";
import { MODULES_2_1_1, type Module211 } from "../../versions/v2_1_1/schemas/version.js";
import { sessionPatchTo221, sessionTo211, sessionTo221 } from "../../versions/v2_1_1/sessions.js";
import type { Translated } from "../../versions/v2_1_1/translation.js";
import { levelTo211 } from "./answer.js";
import { COMMANDS_EDGE } from "./commands-edge.js";
import { type Edge211, type EdgeRequest, emptyPull, read211 } from "./edge.js";
import { translateIn } from "./inbound.js";
import { TOKENS_EDGE } from "./tokens-edge.js";

export { MODULES_2_1_1, type Module211 };

/**
 * Locations and tariffs: a CPO's pushes are broadcast, reads answered from
 * the cache; both addressed to the hub. 2.2.1 has no tariff PATCH: the
 * patched tariff goes on as a PUT of the whole (inbound.ts).
 */
const broadcastEdge = (id: "locations" | "tariffs"): Edge211 => ({
  method: (received) => (id === "tariffs" && received === "PATCH" ? "PUT" : received),
  address: () => "hub",
  async request(req, text) {
    if (text === undefined) return { body: undefined };
    const { scope, method, params, party } = req;
    return { body: await translateIn(scope, id, method, params, text, party) };
  },
  answer: ({ op, params }) => {
    if (op.method !== "GET") return undefined;
    const level = levelOfParams(id, params) ?? levelOf(id, 1);
    return level === undefined ? undefined : levelTo211(level);
  },
});

const SESSION = "Session";

/** The eMSP a Session's or CDR's token names (cdr_token) is no longer on the hub. */
function goneEmsp(what: string, body: Json | undefined): string {
  const token = body?.cdr_token as { country_code?: string; party_id?: string } | undefined;
  return `auth_id: the eMSP ${token?.country_code}/${token?.party_id} that pushed the ${what}'s token is no longer on the hub`;
}

/** The 2.1.1 field that names the eMSP of a CPO's session: its receiver is what the hub saw before. */
const unknownSession = ({ params }: EdgeRequest) =>
  `session_id: session ${params.session_id} of ${params.country_code}/${params.party_id} has not been PUT through the hub, so the hub cannot tell its eMSP; PUT the whole session first`;

/**
 * Sessions: a CPO's PUT goes to the eMSP of its token (auth_id through the
 * hub's token copies, see context.ts), a PATCH and a GET to the eMSP its
 * PUT went to; an eMSP's pull is answered empty (emptyPull).
 */
const SESSIONS_EDGE: Edge211 = {
  absent: (op) =>
    op.pattern.endsWith("/charging_preferences")
      ? "OCPI 2.1.1 has no charging preferences"
      : undefined,
  address: () => "open",
  async request(req, text) {
    if (text === undefined) return { body: undefined };
    const patch = req.method === "PATCH";
    if (!patch) {
      const body = read211(req, Session211Schema, text, SESSION) as Session211;
      return { body: (await sessionTo221(body, req.ctx)) as Translated<Json> };
    }
    const body = read211(req, Session211PatchSchema, text, `${SESSION} PATCH`) as Session211Patch;
    const now = req.scope.deps.clock.now();
    return { body: (await sessionPatchTo221(body, req.ctx, now)) as Translated<Json> };
  },
  answer: ({ op, ctx }) =>
    op.method === "GET"
      ? (doc) => sessionTo211(doc as Session, ctx) as Promise<Translated<Json>>
      : undefined,
  local: (req) => (req.op.paginated ? emptyPull(req, "sessions") : undefined),
  unknownReceiver: (req, body) =>
    req.method === "PUT" ? goneEmsp("session", body) : unknownSession(req),
};

/**
 * CDRs: a CPO's POST goes to the eMSP of its token; the Location of the
 * eMSP's copy the hub answers with is read at the hub's 2.1.1 cdrs URL
 * (translated there); an eMSP's pull is answered empty (emptyPull).
 */
const CDRS_EDGE: Edge211 = {
  address: () => "open",
  async request(req, text) {
    if (text === undefined) return { body: undefined };
    const body = read211(req, Cdr211Schema, text, "CDR") as Cdr211;
    return { body: (await cdrTo221(body, req.ctx)) as Translated<Json> };
  },
  answer: ({ op, ctx }) =>
    op.method === "GET"
      ? (doc) => cdrTo211(doc as Cdr, ctx) as Promise<Translated<Json>>
      : undefined,
  relink: cdrLink211,
  local: (req) => (req.op.paginated ? emptyPull(req, "CDRs") : undefined),
  unknownReceiver: (_req, body) => goneEmsp("CDR", body),
};

/** Each 2.1.1 module's edge. */
export const EDGES: Readonly<Record<Module211, Edge211>> = {
  locations: broadcastEdge("locations"),
  tariffs: broadcastEdge("tariffs"),
  sessions: SESSIONS_EDGE,
  cdrs: CDRS_EDGE,
  tokens: TOKENS_EDGE,
  commands: COMMANDS_EDGE,
};

/**
 * The URL of a CDR the hub hands out (a 2.2.1 CDR link) as the hub's 2.1.1
 * cdrs URL of the same CDR, which a 2.1.1 CPO can read (it has no 2.2.1
 * endpoint to call); any other URL as it is.
 */
function cdrLink211(hubUrl: string, url: string): string {
  const prefix = hubUrls.cdrLink(hubUrl, "");
  if (!url.startsWith(prefix)) return url;
  return `${hubUrls.module(hubUrl, "cdrs", OCPI_2_1_1)}/${url.slice(prefix.length)}`;
}
