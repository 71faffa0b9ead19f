import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { LegTrace } from "./legs.js";
import type { MessageLog } from "./log.js";

/**
 * The message the calls made inside it belong to, for calls that do not
 * pass a trace themselves (credentials handshakes, syncs): the outbound
 * client records them as its legs.
 */
export const legScope = new AsyncLocalStorage<LegTrace>();

/** Scopes running now (they nest: a handshake may start a sync). */
let openScopes = 0;

/**
 * Runs `work` inside legScope, and turns the scope off again once no scope
 * is open: an AsyncLocalStorage that ran once keeps Node's promise hooks
 * on for every promise of the process, which made each forwarded request
 * pay for the log's handshakes long after they ended (Node 20: an `await`
 * about three times as costly). A call that outlives its scope's `work`
 * (one it did not wait for) is not recorded as a leg.
 */
async function inScope<T>(trace: LegTrace, work: () => Promise<T>): Promise<T> {
  openScopes++;
  try {
    return await legScope.run(trace, work);
  } finally {
    openScopes--;
    if (openScopes === 0) legScope.disable();
  }
}

/** Runs `work` with its outbound calls recorded as legs of the message `trace.message`. */
export function asLegsOf<T>(log: MessageLog, trace: LegTrace, work: () => Promise<T>): Promise<T> {
  return log.enabled ? inScope(trace, work) : work();
}

export interface HubMessage {
  /** The hub's own party: the sender of what it starts. */
  hub: { countryCode: string; partyId: string };
  platformId: string;
  module: string;
  method: string;
  correlationId: string;
  path?: string;
}

/**
 * Hub-initiated traffic (a sync, a registration the operator started) as a
 * message with the hub as its sender and the calls it makes as its legs.
 * Its outcome is "success" when `work` settles, "failed" when it throws.
 */
export async function asHubMessage<T>(
  log: MessageLog,
  m: HubMessage,
  work: () => Promise<T>,
): Promise<T> {
  if (!log.enabled) return work();
  const requestId = randomUUID();
  const at = new Date();
  const started = performance.now();
  let outcome = "failed";
  try {
    const result = await inScope({ message: requestId, platformId: m.platformId }, work);
    outcome = "success";
    return result;
  } finally {
    log.record({
      kind: "message",
      at,
      request_id: requestId,
      message_id: requestId,
      correlation_id: m.correlationId,
      module: m.module,
      interface: null,
      method: m.method,
      path: m.path ?? null,
      object_id: null,
      from_country_code: m.hub.countryCode,
      from_party_id: m.hub.partyId,
      from_platform_id: null,
      to_country_code: null,
      to_party_id: null,
      to_platform_id: m.platformId,
      http_status: null,
      status_code: null,
      latency_ms: Math.round((performance.now() - started) * 100) / 100,
      outcome,
      request_body: null,
      response_body: null,
    });
  }
}

/** A credentials handshake the operator started (registration, rotation) as a hub message. */
export function handshakeMessage(
  config: { hubCountryCode: string; hubPartyId: string },
  platformId: string,
  method: string,
  correlationId: string,
): HubMessage {
  return {
    hub: { countryCode: config.hubCountryCode, partyId: config.hubPartyId },
    platformId,
    module: "credentials",
    method,
    correlationId,
  };
}
