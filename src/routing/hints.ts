import { randomBytes } from "node:crypto";
import type { OutboundResponse } from "../egress/ocpi-client.js";
import { urlOwner } from "../modules/module-spec.js";
import { tokenType } from "../modules/tokens.js";
import { Header, OutHeader } from "../ocpi/headers.js";
import { rewriteLink } from "../ocpi/pagination.js";
import { hubUrls } from "../ocpi/version.js";
import { accepted } from "./callbacks.js";
import type { CheckedRequest } from "./checks.js";
import type { Routing, Target } from "./decide.js";
import type { CallerScope } from "./scope.js";

/**
 * What the hub keeps from a request for later open routing: token owners,
 * locations' CPOs, sessions' receivers, reservations' CPOs. It runs while
 * the request is forwarded; a failure is logged, never the requester's.
 */
export function recordRouteHints(
  scope: CallerScope,
  r: CheckedRequest,
  /** The receiver; none for a broadcast. */
  target: Target | undefined,
): Promise<void> | undefined {
  const { op, params, routing } = r;
  if (op.hint === undefined) return undefined;
  const store = scope.deps.routing;
  const now = scope.deps.clock.now();
  const owner = urlOwner(params);
  const platformId = scope.caller.platform.id;
  const b = r.body as Record<string, unknown>;
  switch (op.hint) {
    case "location":
      return logFailure(scope, () =>
        store.putHint(
          {
            kind: "location",
            platformId,
            owner,
            objectId: params.location_id as string,
            target: owner,
          },
          now,
        ),
      );
    case "session":
      if (target === undefined) return undefined;
      return logFailure(scope, () =>
        store.putHint(
          {
            kind: "session",
            platformId,
            owner,
            objectId: params.session_id as string,
            target: target.party,
          },
          now,
        ),
      );
    case "token":
      return logFailure(scope, () =>
        store.putToken(
          {
            platformId,
            owner,
            uid: params.token_uid as string,
            type: String(b.type),
            valid: b.valid === true,
            lastUpdated: String(b.last_updated),
          },
          now,
        ),
      );
    case "token-patch":
      return logFailure(scope, () =>
        store.patchToken(
          {
            platformId,
            owner,
            uid: params.token_uid as string,
            type: tokenType(r.query),
            valid: typeof b.valid === "boolean" ? b.valid : undefined,
            lastUpdated: String(b.last_updated),
          },
          now,
        ),
      );
    case "reservation":
      if (params.command !== "RESERVE_NOW" || target === undefined) return undefined;
      return logFailure(scope, () =>
        store.putHint(
          {
            kind: "reservation",
            platformId,
            owner: routing.from,
            objectId: String(b.reservation_id),
            target: target.party,
          },
          now,
        ),
      );
  }
}

/**
 * What the answer changes before it goes back: a Link rewritten to the
 * hub, a CDR's Location replaced by a hub URL, and the setter of an
 * accepted charging profile remembered for its ActiveChargingProfile PUTs.
 * Returns the headers to add to the relayed answer.
 */
export async function rewriteAnswer(
  scope: CallerScope,
  r: CheckedRequest,
  target: Target,
  res: OutboundResponse,
): Promise<Record<string, string>> {
  const { deps } = scope;
  const extra: Record<string, string> = {};
  if (r.op.paginated) {
    const link = rewriteLink(
      res.headers[Header.link],
      target.endpoint,
      hubUrls.endpoint(deps.config.hubUrl, r.op.module.id, r.op.iface),
    );
    if (link !== undefined) extra[OutHeader.link] = link;
  }
  if (r.op.answer === "cdr-location") {
    const location = await linkCdr(scope, res, r.routing, target);
    if (location !== undefined) extra.Location = location;
  }
  if (r.op.answer === "profile-setter" && accepted(res)) {
    await logFailure(scope, () =>
      deps.routing.putHint(
        {
          kind: "profile",
          platformId: scope.caller.platform.id,
          owner: target.party,
          objectId: r.params.session_id as string,
          target: r.routing.from,
        },
        deps.clock.now(),
      ),
    );
  }
  return extra;
}

async function logFailure(scope: CallerScope, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    scope.log.error({ err }, "could not record a routing hint");
  }
}

/** A posted CDR's Location, replaced by a hub URL through which the CPO can GET it. */
async function linkCdr(
  scope: CallerScope,
  res: OutboundResponse,
  routing: Routing,
  target: Target,
): Promise<string | undefined> {
  const location = res.headers.location;
  if (location === undefined || res.body.status_code < 1000 || res.body.status_code >= 2000) {
    return undefined;
  }
  const { deps } = scope;
  const id = randomBytes(18).toString("base64url");
  await deps.routing.createCdrLink({
    id,
    emspPlatformId: target.platform.id,
    emspCountryCode: target.party.countryCode,
    emspPartyId: target.party.partyId,
    cpoCountryCode: routing.from.countryCode,
    cpoPartyId: routing.from.partyId,
    url: location,
    createdAt: deps.clock.now(),
  });
  return hubUrls.cdrLink(deps.config.hubUrl, id);
}
