import { type Audience, EVERYONE } from "../cache/publication.js";
import { type DeliveryModule, objectKey } from "../delivery/queue.js";
import { type BroadcastModuleSpec, isCached } from "../modules/index.js";
import { invalidParameters, unavailable } from "../ocpi/errors.js";
import { routingHeaders } from "../ocpi/headers.js";
import { hubParty } from "../ocpi/parties.js";
import { StatusCode } from "../ocpi/status-codes.js";
import { writeToCache } from "./cache-answers.js";
import type { CheckedRequest } from "./checks.js";
import { recordRouteHints } from "./hints.js";
import type { CallerScope } from "./scope.js";
import { reply } from "./scope.js";

/**
 * Broadcast push (transport_and_format: Broadcast Push): the cache takes
 * the update, one delivery per recipient platform is queued, and the sender
 * hears 1000 from the hub at once. Recipients' answers never come back to
 * it. A push older than the hub's copy goes to nobody. A location that is
 * not published (its own push, or the cached location an EVSE or
 * connector push belongs to) goes only to the recipients owning a token
 * its publish_allowed_to matches (locations: Location Object); a published
 * one goes to every recipient without a look-up.
 */
export async function broadcast(
  scope: CallerScope,
  push: CheckedRequest,
  module: BroadcastModuleSpec,
): Promise<Response> {
  const { deps, caller } = scope;
  const { op, params } = push;
  const headers = routingHeaders(push.routing.from, hubParty(deps.config));
  const path = push.path;
  // Refused before the cache takes it: a delivery the bus cannot carry would fail on every retry.
  refuseOversize(deps.queue.maxMessageBytes, push.text, path.length + push.query.length);
  // Recorded meanwhile, as a forward's are (a failure is only logged), and in place before the answer.
  const recording = recordRouteHints(scope, push, undefined);
  let audience: Audience = EVERYONE;
  if (isCached(module)) {
    const outcome = await writeToCache(scope, module, op.method, params, push.body).finally(
      () => recording,
    );
    if (outcome === "stale") {
      return reply(scope, StatusCode.Success, undefined, {
        message: "older than the hub's copy of this object; delivered to nobody",
        headers,
      });
    }
    audience = outcome.audience;
  }
  await recording;
  const object = module.broadcast.object(params, push.query);
  const key = objectKey(object.owner, object.id, object.type);
  const moduleId = module.id as Exclude<DeliveryModule, "hubclientinfo">;
  let recipients = deps.deliveries.recipientsOf(moduleId, {
    platformId: caller.platform.id,
    party: push.routing.from,
  });
  if (!audience.everyone) {
    const allowed = await deps.cache.platformsAllowed(
      audience.allowedTo,
      recipients.map((r) => r.platform.id),
    );
    recipients = recipients.filter((r) => allowed.has(r.platform.id));
  }
  try {
    // Written once for all recipients: each recipient's cursor takes it (see delivery/queue.ts Push).
    if (recipients.length > 0) {
      const from = push.routing.from;
      await deps.deliveries.broadcast({
        module: moduleId,
        key,
        method: op.method as "PUT" | "PATCH" | "DELETE",
        path: push.path,
        query: push.query,
        ...(push.text === undefined ? {} : { body: push.text }),
        sender: {
          platformId: caller.platform.id,
          party: { countryCode: from.countryCode, partyId: from.partyId, role: from.role },
        },
        ...(audience.everyone ? {} : { only: recipients.map((r) => r.platform.id) }),
        correlationId: scope.correlationId,
        messageId: scope.requestId,
        acceptedAt: Date.now(),
      });
    }
  } catch {
    throw unavailable("the hub could not queue this push for its recipients; send it again");
  }
  return reply(scope, StatusCode.Success, undefined, {
    message: `queued for ${recipients.length} platform${recipients.length === 1 ? "" : "s"}`,
    headers,
  });
}

/** Room a delivery takes besides its body, path and query: ids, key, codes, as JSON. */
const DELIVERY_OVERHEAD = 2048;

/**
 * Refuses a push whose delivery would exceed the largest message the bus
 * carries. JSON escapes a body to at most three bytes per UTF-16 unit, so
 * only a body near the limit is measured exactly.
 */
function refuseOversize(limit: number | undefined, text: string | undefined, extra: number): void {
  if (limit === undefined || text === undefined) return;
  const room = limit - DELIVERY_OVERHEAD - extra;
  if (text.length * 3 <= room) return;
  const size = Buffer.byteLength(JSON.stringify(text));
  if (size <= room) return;
  throw invalidParameters(
    `the body takes ${size} bytes as a delivery; the hub's message bus carries at most ${room} (NATS max_payload ${limit} less the delivery's own fields)`,
  );
}
