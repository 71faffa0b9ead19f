/**
 * OCPI 2.2.1 status codes (status_codes.asciidoc) and the single table that
 * maps each to the HTTP status the hub answers with when it produces that
 * code itself. A request that reached the OCPI layer (valid JSON, known
 * resource, authorised sender) gets HTTP 200 whatever its status_code
 * (status_codes: first paragraphs); transport-level refusals override the
 * HTTP status where they are raised (400 bad JSON, 401, 404, 405).
 */
export const StatusCode = {
  Success: 1000,
  ClientError: 2000,
  InvalidParameters: 2001,
  NotEnoughInformation: 2002,
  UnknownLocation: 2003,
  UnknownToken: 2004,
  ServerError: 3000,
  UnableToUseClientApi: 3001,
  UnsupportedVersion: 3002,
  NoMatchingEndpoints: 3003,
  HubError: 4000,
  UnknownReceiver: 4001,
  ForwardTimeout: 4002,
  ReceiverNotConnected: 4003,
} as const;

export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

const HTTP_STATUS: Record<StatusCode, number> = {
  1000: 200,
  2000: 200,
  2001: 200,
  2002: 200,
  2003: 200,
  2004: 404,
  3000: 500,
  3001: 200,
  3002: 200,
  3003: 200,
  4000: 200,
  4001: 200,
  4002: 200,
  4003: 200,
};

/** The HTTP status that goes with a status_code the hub produces itself. */
export function httpStatusOf(code: StatusCode): number {
  return HTTP_STATUS[code];
}
