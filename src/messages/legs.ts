import { describePath, outcomeOf, storedBody } from "./describe.js";
import type { MessageLog } from "./log.js";

/** Who a leg goes to and which message it belongs to, given by the caller of send(). */
export interface LegTrace {
  /** The request id of the message this leg passes on. */
  message: string;
  platformId: string;
  countryCode?: string;
  partyId?: string;
  /** The module, when the receiver's URL does not tell (it is the receiver's own). */
  module?: string;
  /**
   * Set by a forward: the attempt's result is kept here, for its message's
   * row, instead of becoming a row of its own.
   */
  hold?: boolean;
  held?: HeldLeg;
}

/** A forward attempt's result, stored on its message's row. */
export interface HeldLeg {
  leg_request_id: string;
  leg_http_status: number | null;
  leg_status_code: number | null;
  leg_latency_ms: number;
  leg_outcome: string;
}

interface LegRequest {
  method: string;
  url: string;
  body?: unknown;
  rawBody?: string;
  correlationId?: string;
}

/** A call that got no usable answer (the client's OutboundError). */
interface Failure {
  failure: string;
  httpStatus?: number;
}

/** Records one hub-to-receiver attempt: its answer (`status`, `text`, code) or its failure. */
export function recordLeg(
  log: MessageLog,
  req: LegRequest,
  trace: LegTrace,
  requestId: string,
  started: number,
  answer: { status: number; statusCode: number | null; text: string } | Failure,
): void {
  const failed = "failure" in answer;
  const httpStatus = failed ? (answer.httpStatus ?? null) : answer.status;
  const statusCode = failed ? null : answer.statusCode;
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  const outcome = failed ? answer.failure : outcomeOf(answer.status, statusCode);
  if (trace.hold === true && trace.held === undefined) {
    trace.held = {
      leg_request_id: requestId,
      leg_http_status: httpStatus,
      leg_status_code: statusCode,
      leg_latency_ms: latencyMs,
      leg_outcome: outcome,
    };
    return;
  }
  // A held attempt shows its message's path and module: only a leg of its own needs them.
  const path = pathOf(req.url);
  const facts = describePath(path);
  log.record({
    kind: "leg",
    at: new Date(),
    request_id: requestId,
    message_id: trace.message,
    correlation_id: req.correlationId ?? null,
    module: trace.module ?? facts.module,
    interface: facts.interface,
    method: req.method,
    path,
    object_id: facts.objectId,
    from_country_code: null,
    from_party_id: null,
    from_platform_id: null,
    to_country_code: trace.countryCode ?? null,
    to_party_id: trace.partyId ?? null,
    to_platform_id: trace.platformId,
    http_status: httpStatus,
    status_code: statusCode,
    latency_ms: latencyMs,
    outcome,
    request_body: log.bodies
      ? storedBody(req.rawBody ?? (req.body === undefined ? undefined : JSON.stringify(req.body)))
      : null,
    response_body: log.bodies && !failed ? storedBody(answer.text) : null,
  });
}

function pathOf(url: string): string {
  const scheme = url.indexOf("://");
  const slash = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  return slash === -1 ? "/" : url.slice(slash);
}
