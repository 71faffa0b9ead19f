import { randomUUID } from "node:crypto";
import type { LegTrace } from "./legs.js";
import type { MessageLog } from "./log.js";

/** What a traced call needs of the dependencies: an outbound client whose calls take a trace. */
export interface Traceable {
  client: { send(req: { trace?: LegTrace | null }): unknown };
}

/**
 * `deps` with an outbound client that records every call it makes as a leg
 * of the message `trace.message` (a call that names its own trace keeps
 * it). The calls of a credentials handshake or a sync are made through
 * it. This was an AsyncLocalStorage scope, turned off again after each
 * task; still, in npm run bench a logging hub that only kept each
 * request's facts spent 7–10 % more of its main thread per forwarded
 * request than the hub with the log off, and 1–3 % once the bench's
 * registration ran without the scope (docs/performance.md, "The legs
 * scope, and what it cost every request after it").
 */
function traced<D extends Traceable>(deps: D, trace: LegTrace): D {
  const client = deps.client;
  const send = (req: { trace?: LegTrace | null }) =>
    client.send(req.trace === undefined ? { ...req, trace } : req);
  return { ...deps, client: { ...client, send } };
}

/** Runs `work` with `deps` whose outbound calls are recorded as legs of the message `trace.message`. */
export function asLegsOf<D extends Traceable, T>(
  log: MessageLog,
  trace: LegTrace,
  deps: D,
  work: (deps: D) => Promise<T>,
): Promise<T> {
  return work(log.enabled ? traced(deps, trace) : deps);
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
export async function asHubMessage<D extends Traceable, T>(
  log: MessageLog,
  m: HubMessage,
  deps: D,
  work: (deps: D) => Promise<T>,
): Promise<T> {
  if (!log.enabled) return work(deps);
  const requestId = randomUUID();
  const at = new Date();
  const started = performance.now();
  let outcome = "failed";
  try {
    const result = await work(traced(deps, { message: requestId, platformId: m.platformId }));
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
