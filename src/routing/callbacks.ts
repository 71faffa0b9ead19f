import { randomBytes } from "node:crypto";
import type { OutboundResponse } from "../egress/ocpi-client.js";
import { findModule } from "../modules/index.js";
import type { Params } from "../modules/module-spec.js";
import {
  clientError,
  invalidParameters,
  notFound,
  receiverNotConnected,
  unknownCallback,
  unknownReceiver,
} from "../ocpi/errors.js";
import { replaceTopLevelString } from "../ocpi/json-text.js";
import { type PartyRef, partyName, sameParty } from "../ocpi/parties.js";
import { parseDateTime, Url } from "../ocpi/schemas/primitives.js";
import { validate } from "../ocpi/validate.js";
import { hubUrls, OCPI_2_1_1 } from "../ocpi/version.js";
import { noAgreement } from "../registry/agreements.js";
import { isConnected } from "../registry/visibility.js";
import { lossNote, reportLosses } from "../versions/v2_1_1/report.js";
import type { Routing, Target } from "./decide.js";
import { type Hop, relay, sendHop } from "./forward.js";
import type { Operation } from "./operations.js";
import type { CallerScope } from "./scope.js";
import { linkedCdrFrom211, noted } from "./v211-hop.js";
import { checkResult211, resultFor, withoutRoutingHeaders } from "./v211-results.js";

/** How long past the receiver's own timeout a result is still taken. */
const GRACE_MS = 5 * 60_000;

const expiredCallback = (id: string) =>
  unknownCallback(`unknown or expired callback ${id}: no result is expected here`);

export interface OpenedCallback {
  id: string;
  /** The command, or GET / PUT / DELETE for charging profiles. */
  purpose: string;
  /** The hub's URL that stands in for the sender's response_url. */
  url: string;
  /** The request body with the hub's response_url, when it carried one. */
  body?: string;
  /** The query string with the hub's response_url, when it carried one. */
  query?: string;
}

/**
 * Puts a hub URL with an unguessable id in place of the sender's
 * response_url and remembers the original, the sender and the receiver
 * (commands: Sender interface; chargingprofiles: Receiver interface). A
 * response_url the URL policy refuses is a 2001, and nothing is forwarded.
 */
export async function openCallback(
  scope: CallerScope,
  req: {
    op: Operation;
    params: Params;
    body: unknown;
    /** The body as received. */
    text: string;
    query: string;
    routing: Routing;
    target: Target;
  },
): Promise<OpenedCallback> {
  const { deps } = scope;
  const { op, params, target } = req;
  const id = randomBytes(24).toString("base64url");
  const hubUrl = hubUrls.callback(deps.config.hubUrl, op.module.id, id);
  let original: string;
  const purpose = op.module.callback?.purpose(op.method, params) ?? op.method;
  const opened: OpenedCallback = { id, purpose, url: hubUrl };
  if (op.responseUrl === "body") {
    original = (req.body as { response_url: string }).response_url;
    // Only the value changes: every other byte reaches the receiver as the sender wrote it.
    opened.body =
      replaceTopLevelString(req.text, "response_url", hubUrl) ??
      // Not reached for a body its schema took; never forward the sender's own URL.
      JSON.stringify({ ...(req.body as object), response_url: hubUrl });
  } else {
    const query = new URLSearchParams(req.query);
    const given = query.get("response_url");
    if (given === null) throw invalidParameters("query parameter response_url is required");
    validate(Url, given, "response_url", deps.config.validation);
    if (op.method === "GET") {
      const duration = query.get("duration");
      if (duration === null || !/^\d{1,9}$/.test(duration)) {
        throw invalidParameters("query parameter duration is required: a whole number of seconds");
      }
    }
    original = given;
    query.set("response_url", hubUrl);
    opened.query = query.toString();
  }
  // The hub will POST the result there: the URL policy decides before anything is forwarded.
  const refused = deps.urlPolicy.refusal(original);
  if (refused !== undefined) {
    throw invalidParameters(`response_url ${original} cannot be used: ${refused}`);
  }
  const now = deps.clock.now();
  await deps.routing.createCallback({
    id,
    module: op.module.id as "commands" | "chargingprofiles",
    purpose,
    originalUrl: original,
    senderPlatformId: scope.caller.platform.id,
    senderCountryCode: req.routing.from.countryCode,
    senderPartyId: req.routing.from.partyId,
    receiverPlatformId: target.platform.id,
    receiverCountryCode: target.party.countryCode,
    receiverPartyId: target.party.partyId,
    createdAt: now,
    // Until the receiver answers; settleCallback sets the real expiry.
    expiresAt: new Date(now.getTime() + deps.config.forwardTimeoutMs + GRACE_MS),
  });
  return opened;
}

/** The receiver's immediate answer took the request: a 1xxx status with result ACCEPTED. */
export function accepted(res: OutboundResponse): boolean {
  const code = res.body.status_code;
  return (
    code >= 1000 && code < 2000 && (res.body.data as { result?: unknown })?.result === "ACCEPTED"
  );
}

/**
 * After the receiver's immediate answer: an ACCEPTED request keeps its
 * callback for the receiver's timeout plus a grace period (a reservation's
 * until it expires, and for every result the CPO sends until then);
 * anything else drops it, as no result will come.
 */
export async function settleCallback(
  scope: CallerScope,
  { id, purpose }: OpenedCallback,
  body: unknown,
  res: OutboundResponse | undefined,
): Promise<void> {
  const { deps } = scope;
  if (res === undefined || !accepted(res)) {
    await deps.routing.dropCallback(id);
    return;
  }
  const data = res.body.data as { timeout?: unknown };
  const now = deps.clock.now().getTime();
  const timeoutMs = typeof data.timeout === "number" && data.timeout > 0 ? data.timeout * 1000 : 0;
  let expires = now + timeoutMs + GRACE_MS;
  const reservation = purpose === "RESERVE_NOW";
  if (reservation) {
    const until = parseDateTime(String((body as { expiry_date?: string }).expiry_date)).getTime();
    if (Number.isFinite(until)) expires = Math.max(expires, until + GRACE_MS);
  }
  await deps.routing.keepCallback(id, new Date(expires), reservation);
}

/**
 * A result on one of the hub's callback URLs: only the receiver of the
 * original request may post it, once (a reservation's until it expires);
 * it goes to the original response_url with the hub's token for the
 * sender, and the sender's answer comes back.
 */
export async function receiveCallback(
  scope: CallerScope,
  req: { op: Operation; params: Params; routing: Routing; body: unknown; raw: string },
): Promise<Response> {
  const { deps } = scope;
  const id = req.params.callback_id as string;
  const row = await deps.routing.findCallback(id, deps.clock.now());
  if (
    row === undefined ||
    row.module !== req.op.module.id ||
    row.receiverPlatformId !== scope.caller.platform.id
  ) {
    throw expiredCallback(id);
  }
  const sender: PartyRef = { countryCode: row.senderCountryCode, partyId: row.senderPartyId };
  const { to, from } = req.routing;
  if (to !== undefined && to !== "hub" && !sameParty(to, sender)) {
    throw invalidParameters(
      `OCPI-to ${partyName(to)} is not the party that sent this request (${partyName(sender)})`,
    );
  }
  const from211 = scope.caller.platform.version === OCPI_2_1_1;
  if (from211) checkResult211(req.body, deps.config.validation);
  else {
    const schema = resultSchema(row.module, row.purpose);
    if (schema !== undefined) validate(schema, req.body, "result", deps.config.validation);
  }
  if (!(await deps.routing.claimCallback(id, deps.clock.now()))) {
    throw unknownCallback(`callback ${id} has already taken its result`);
  }
  const platform = deps.registry.get(row.senderPlatformId);
  if (platform === undefined) {
    await deps.routing.releaseCallback(id);
    throw unknownReceiver(`${partyName(sender)}, which sent the request, is no longer on the hub`);
  }
  if (!isConnected(platform)) {
    await deps.routing.releaseCallback(id);
    throw receiverNotConnected(
      `${partyName(sender)} is not connected to the hub (status ${platform.status})`,
    );
  }
  // Either side may be on 2.1.1: the result goes in the sender's version.
  const result = resultFor(platform.version, { from211, body: req.body, raw: req.raw });
  const hop: Hop = {
    method: "POST",
    url: row.originalUrl,
    platform,
    receiver: sender,
    to: sender,
    from: { countryCode: row.receiverCountryCode, partyId: row.receiverPartyId },
    body: result.value,
  };
  let res: OutboundResponse;
  try {
    res = await sendHop(scope, hop);
  } catch (err) {
    await deps.routing.releaseCallback(id);
    throw err;
  }
  const context = { platform_id: platform.id, callback: id };
  reportLosses({ logger: scope.log, metrics: deps.metrics }, row.module, result, context);
  const relayed = relay(scope, noted(res, [lossNote(result.losses)]), { to: from, from: sender });
  return from211 ? withoutRoutingHeaders(relayed) : relayed;
}

/**
 * GET of a CDR behind the Location the hub gave the CPO: forwarded to the
 * eMSP's own URL with the hub's token (cdrs: POST response headers).
 */
export async function fetchLinkedCdr(
  scope: CallerScope,
  req: { params: Params; routing: Routing; module: string },
): Promise<Response> {
  const { deps } = scope;
  const id = req.params.cdr_link as string;
  const link = await deps.routing.findCdrLink(id);
  const cpo: PartyRef = link
    ? { countryCode: link.cpoCountryCode, partyId: link.cpoPartyId }
    : { countryCode: "", partyId: "" };
  if (link === undefined || !scope.caller.platform.roles.some((r) => sameParty(r, cpo))) {
    throw notFound(`unknown CDR ${id}`);
  }
  const emsp: PartyRef = { countryCode: link.emspCountryCode, partyId: link.emspPartyId };
  if (!deps.registry.mayExchange({ ...cpo, role: "CPO" }, { ...emsp, role: "EMSP" }, req.module)) {
    throw clientError(noAgreement(cpo, emsp, req.module));
  }
  const platform = deps.registry.get(link.emspPlatformId);
  if (platform === undefined) {
    throw unknownReceiver(`${partyName(emsp)} is no longer on the hub`);
  }
  if (!isConnected(platform)) {
    throw receiverNotConnected(
      `${partyName(emsp)} is not connected to the hub (status ${platform.status})`,
    );
  }
  const res = await sendHop(scope, {
    method: "GET",
    url: link.url,
    platform,
    receiver: emsp,
    to: emsp,
    from: cpo,
  });
  // A 2.1.1 eMSP serves a 2.1.1 CDR: the CPO reads it back in 2.2.1.
  const party = platform.roles.find((r) => sameParty(r, emsp)) ?? platform.roles[0];
  const target = {
    platform,
    party: party ?? { ...emsp, role: "EMSP", businessDetails: null },
    endpoint: link.url,
  };
  const cdr =
    platform.version === OCPI_2_1_1
      ? await linkedCdrFrom211(scope, res, { emsp: target, cpo })
      : res;
  const relayed = relay(scope, cdr, { to: req.routing.from, from: emsp });
  return scope.caller.platform.version === OCPI_2_1_1 ? withoutRoutingHeaders(relayed) : relayed;
}

/** The schema of a result posted for a callback of this module and purpose. */
function resultSchema(moduleId: string, purpose: string) {
  const module = findModule(moduleId);
  return module?.kind === "functional" ? module.callback?.result(purpose) : undefined;
}
