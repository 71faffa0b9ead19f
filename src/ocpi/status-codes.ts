/**
 * OCPI 2.2.1 status codes (status_codes.asciidoc) and the single table of
 * the hub's refusals, each with the status_code and HTTP status it answers
 * with. A request that reached the OCPI layer (valid JSON, known
 * resource, authorised sender) gets HTTP 200 whatever its status_code
 * (status_codes: first paragraphs); transport-level refusals override the
 * HTTP status where they are raised (400 bad JSON, 401, 404, 405, 413,
 * 429). OCPI has no status_code for a limit: a body past the size limit
 * is a wrong parameter (2001), a sender past a rate limit a client error
 * (2000), and the HTTP status tells a client which one it met.
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

/**
 * Every way the hub refuses or fails a request, with its status_code and
 * HTTP status: the one table call sites name (through the constructors in
 * errors.ts) instead of passing statuses by hand.
 */
const REFUSALS = {
  unauthorized: { statusCode: StatusCode.ClientError, httpStatus: 401 },
  forbidden: { statusCode: StatusCode.ClientError, httpStatus: 403 },
  "malformed-json": { statusCode: StatusCode.InvalidParameters, httpStatus: 400 },
  "invalid-parameters": { statusCode: StatusCode.InvalidParameters, httpStatus: 200 },
  "client-error": { statusCode: StatusCode.ClientError, httpStatus: 200 },
  "not-found": { statusCode: StatusCode.ClientError, httpStatus: 404 },
  "method-not-allowed": { statusCode: StatusCode.ClientError, httpStatus: 405 },
  "payload-too-large": { statusCode: StatusCode.InvalidParameters, httpStatus: 413 },
  "too-many-requests": { statusCode: StatusCode.ClientError, httpStatus: 429 },
  "unknown-location": { statusCode: StatusCode.UnknownLocation, httpStatus: 404 },
  "server-error": { statusCode: StatusCode.ServerError, httpStatus: 500 },
  unavailable: { statusCode: StatusCode.ServerError, httpStatus: 503 },
  "invalid-answer": { statusCode: StatusCode.ServerError, httpStatus: 200 },
  "unable-to-use-client-api": { statusCode: StatusCode.UnableToUseClientApi, httpStatus: 200 },
  "unsupported-version": { statusCode: StatusCode.UnsupportedVersion, httpStatus: 200 },
  "no-matching-endpoints": { statusCode: StatusCode.NoMatchingEndpoints, httpStatus: 200 },
  "hub-error": { statusCode: StatusCode.HubError, httpStatus: 200 },
  "unknown-receiver": { statusCode: StatusCode.UnknownReceiver, httpStatus: 200 },
  "unknown-callback": { statusCode: StatusCode.UnknownReceiver, httpStatus: 404 },
  "forward-timeout": { statusCode: StatusCode.ForwardTimeout, httpStatus: 200 },
  "receiver-not-connected": { statusCode: StatusCode.ReceiverNotConnected, httpStatus: 200 },
} as const satisfies Record<string, { statusCode: StatusCode; httpStatus: number }>;

export type Refusal = keyof typeof REFUSALS;

/** The status_code and HTTP status of a refusal. */
export function refusalOf(refusal: Refusal): { statusCode: StatusCode; httpStatus: number } {
  return REFUSALS[refusal];
}
