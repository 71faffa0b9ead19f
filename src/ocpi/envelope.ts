import type { StatusCode } from "./status-codes.js";

/** transport_and_format: Response format. `data` is left out where the spec defines none. */
export interface Envelope<T = unknown> {
  data?: T;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

/** The only builder of OCPI response bodies the hub writes itself. */
export function envelope<T>(
  now: Date,
  statusCode: StatusCode,
  data?: T,
  statusMessage?: string,
): Envelope<T> {
  const body: Envelope<T> = { status_code: statusCode, timestamp: now.toISOString() };
  if (data !== undefined) body.data = data;
  if (statusMessage !== undefined) body.status_message = statusMessage;
  return body;
}

/**
 * The same envelope as text, around data that is JSON text already (pages
 * of cached objects), so the data is never parsed and serialized again.
 */
export function envelopeText(now: Date, statusCode: StatusCode, dataJson: string): string {
  return `{"data":${dataJson},"status_code":${statusCode},"timestamp":"${now.toISOString()}"}`;
}

/** True when a peer's answer has the shape of an OCPI envelope. */
export function isEnvelope(value: unknown): value is Envelope {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { status_code?: unknown }).status_code === "number"
  );
}
