import { OutboundError } from "../egress/ocpi-client.js";
import { cacheOf } from "../modules/index.js";
import { routingHeadersTo } from "../ocpi/headers.js";
import { hubParty, sameParty } from "../ocpi/parties.js";
import { OCPI_2_1_1 } from "../ocpi/version.js";
import { endpointOf, type Platform } from "../registry/registry.js";
import { reportLosses } from "../versions/v2_1_1/report.js";
import { currentTarget, type Delivery, isCachedModule, pathObject } from "./queue.js";
import { bodyFor211 } from "./v211-body.js";
import type { WorkerDeps } from "./worker.js";

/** What one attempt of a delivery came to. */
export type Outcome =
  | { kind: "delivered" }
  | { kind: "rejected"; reason: string }
  | { kind: "failed"; reason: string }
  | { kind: "gone"; reason: string }
  /** The recipient may no longer see the object (a roaming agreement ended): not sent. */
  | { kind: "withheld"; reason: string };

/** One attempt: the push to the recipient's Receiver endpoint of the delivery's module. */
export async function send(
  d: WorkerDeps,
  delivery: Delivery,
  platform: Platform,
  /** When the delivery's updates were all taken in (performance.now()); see current-copies.ts. */
  asOf?: number,
): Promise<Outcome> {
  const endpoint = endpointOf(platform, delivery.module, "RECEIVER");
  if (endpoint === undefined || platform.outboundToken === null) {
    return { kind: "gone", reason: `no ${delivery.module} Receiver any more` };
  }
  if (!allowed(d, delivery, platform)) {
    return { kind: "withheld", reason: "no roaming agreement covers it any more" };
  }
  let { method, path, query, body } = delivery;
  if (delivery.current !== undefined && isCachedModule(delivery.module)) {
    ({ path, query } = currentTarget(delivery.current));
    // The recipient is asked for: a location unpublished meanwhile reaches only whom it may.
    const { owner, id, type } = delivery.current;
    const doc = await d.cached.currentDoc(delivery.module, owner, id, {
      type,
      recipient: platform.id,
      asOf,
    });
    if (doc === undefined) {
      // Gone from the cache meanwhile (a tariff is deleted; OCPI never deletes a location or
      // token), or a location no longer published to this recipient.
      const cache = cacheOf(delivery.module);
      if (cache === undefined || !cache.writes.includes("DELETE")) {
        return {
          kind: "gone",
          reason: `${cache?.noun ?? delivery.module} gone or no longer published to it`,
        };
      }
      method = "DELETE";
      body = undefined;
    } else {
      method = "PUT";
      body = doc;
    }
  }
  if (platform.version === OCPI_2_1_1 && isCachedModule(delivery.module)) {
    // A 2.1.1 recipient gets its own version's object, or nothing when 2.1.1 cannot carry it.
    const translated = bodyFor211(delivery.module, method, { path, query }, body);
    if ("refused" in translated) return { kind: "rejected", reason: translated.refused };
    reportLosses(d, delivery.module, translated, { platform_id: platform.id, path });
    ({ body, query } = translated);
  }
  const base = endpoint.replace(/\/+$/, "");
  const url = `${base}${path}${query === "" ? "" : `?${query}`}`;
  // A push to a party names it and the hub (not over 2.1.1); ClientInfo goes to the platform.
  const headers =
    delivery.to === undefined
      ? {}
      : routingHeadersTo(platform.version, delivery.to, hubParty(d.config));
  try {
    const res = await d.client.send({
      method,
      url,
      token: platform.outboundToken,
      encoding: platform.outboundTokenEncoding,
      rawBody: body,
      correlationId: delivery.correlationId,
      pool: platform.id,
      headers,
      trace: legOf(delivery, platform),
    });
    const code = res.body.status_code;
    if (res.status === 401) return { kind: "failed", reason: "refused the hub's credentials" };
    if (res.status >= 500 || code >= 3000) {
      return { kind: "failed", reason: `answered HTTP ${res.status}, status_code ${code}` };
    }
    if (code >= 1000 && code < 2000 && res.status < 300) return { kind: "delivered" };
    return { kind: "rejected", reason: `answered HTTP ${res.status}, status_code ${code}` };
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    // The URL policy or the answer's size would refuse every retry alike.
    if (err.failure === "url-refused" || err.failure === "too-large") {
      return { kind: "rejected", reason: err.message };
    }
    return { kind: "failed", reason: err.message };
  }
}

/** The leg this attempt is of the message that caused the delivery (none for catch-up). */
function legOf(delivery: Delivery, platform: Platform) {
  if (delivery.messageId === undefined) return null;
  return {
    message: delivery.messageId,
    platformId: platform.id,
    module: delivery.module,
    ...delivery.to,
  };
}

/**
 * Whether the recipient party may still see the pushed object: the policy
 * is asked again at sending time, so a suspended or ended agreement stops
 * deliveries queued before it changed. The owner is the client-owned
 * object's codes, the first two segments of the path. Under
 * ROAMING_POLICY=open nobody is restricted, and nothing is looked at.
 */
function allowed(d: WorkerDeps, delivery: Delivery, platform: Platform): boolean {
  const to = delivery.to;
  if (to === undefined || d.config.roamingPolicy === "open") return true;
  const owner = delivery.current?.owner ?? pathObject(delivery.path)?.owner;
  if (owner === undefined) return true;
  return platform.roles.some((r) => {
    if (!sameParty(r, to)) return false;
    const partners = d.registry.partnersOf(r, delivery.module);
    return partners === undefined || partners.some((p) => sameParty(p, owner));
  });
}
