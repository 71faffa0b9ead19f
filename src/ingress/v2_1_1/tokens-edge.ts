import { tokenType } from "../../modules/tokens.js";
import type { AuthorizationInfo, Token } from "../../ocpi/schemas/tokens.js";
import type { Json } from "../../versions/v2_1_1/mapping.js";
import {
  type LocationReferences211,
  LocationReferences211Schema,
  type Token211,
  type Token211Patch,
  Token211PatchSchema,
  Token211Schema,
} from "../../versions/v2_1_1/schemas/tokens.js";
import {
  authorizationInfoTo211,
  locationReferencesTo221,
  tokenPatchTo221,
  tokenTo211,
  tokenTo221,
} from "../../versions/v2_1_1/tokens.js";
import type { Translated } from "../../versions/v2_1_1/translation.js";
import type { Edge211, EdgeRequest, Inbound } from "./edge.js";
import { read211 } from "./edge.js";

const tokenData = (doc: Json) => tokenTo211(doc as Token) as Translated<Json>;

/**
 * The type of the eMSP's token a 2.1.1 URL names by uid alone (2.1.1's
 * tokens/{country_code}/{party_id}/{token_uid} has no `?type=`, 2.2.1's
 * keys a token by uid and type): the type the body gives, else that of the
 * hub's copy of the eMSP's token with this uid, else RFID, 2.2.1's default.
 */
async function typeOfToken(req: EdgeRequest, body: { type?: unknown }): Promise<string> {
  if (typeof body.type === "string") return body.type;
  const uid = req.params.token_uid as string;
  const [held] = await req.scope.deps.cache.tokensWithId(uid, { owner: req.party, hidden: [] });
  return held?.type ?? "RFID";
}

/** The query routed with a token of `type`: the received one with `type` set. */
function withType(query: string, type: string): string {
  const params = new URLSearchParams(query);
  params.set("type", type);
  return params.toString();
}

/** An eMSP's push of its token, PUT or PATCH, as the 2.2.1 push of that token's type. */
async function tokenPush(req: EdgeRequest, text: string): Promise<Inbound> {
  if (req.method === "PUT") {
    const token = read211(req, Token211Schema, text, "Token") as Token211;
    const body = tokenTo221(token, req.ctx) as Translated<Json>;
    return { body, query: withType(req.query, token.type) };
  }
  const patch = read211(req, Token211PatchSchema, text, "Token PATCH") as Token211Patch;
  const body = tokenPatchTo221(patch, req.scope.deps.clock.now()) as Translated<Json>;
  return { body, query: withType(req.query, await typeOfToken(req, patch)) };
}

/** A CPO's real-time authorization: an optional 2.1.1 LocationReferences, the `?type=` as given. */
function authorization(req: EdgeRequest, text: string): Inbound {
  if (text.trim() === "") return { body: undefined };
  const refs = read211(req, LocationReferences211Schema, text, "LocationReferences");
  return { body: locationReferencesTo221(refs as LocationReferences211) as Translated<Json> };
}

/**
 * Tokens: an eMSP's PUT and PATCH are broadcast to CPOs, its GET of one
 * token read from the cache; a CPO's list GET is answered from the cache
 * and its real-time authorization goes to the eMSP owning the token.
 */
export const TOKENS_EDGE: Edge211 = {
  address: (op) => (op.method === "POST" ? "open" : "hub"),
  async request(req, text) {
    if (req.op.iface === "SENDER") {
      return text === undefined ? { body: undefined } : authorization(req, text);
    }
    if (text !== undefined) return tokenPush(req, text);
    // An eMSP reading its own token: the hub's copy of the type it holds.
    return { body: undefined, query: withType(req.query, await typeOfToken(req, {})) };
  },
  answer({ op }) {
    if (op.method === "GET") return tokenData;
    if (op.method === "POST") {
      return (doc) => authorizationInfoTo211(doc as AuthorizationInfo) as Translated<Json>;
    }
    return undefined;
  },
  unknownReceiver: ({ params, query }) =>
    `token_uid: no eMSP has pushed token ${params.token_uid} (${tokenType(query)}) through the hub`,
};
