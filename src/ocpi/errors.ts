import { type Refusal, refusalOf, type StatusCode } from "./status-codes.js";

/**
 * The one error type OCPI handlers throw. app.onError turns it into the
 * envelope; nothing else writes an OCPI error body. Its status_code and
 * HTTP status come from the refusal table in status-codes.ts; build one
 * with the named constructors below.
 */
export class OcpiError extends Error {
  override readonly name = "OcpiError";
  readonly statusCode: StatusCode;
  readonly httpStatus: number;

  /** Headers the answer must carry, such as Allow on a 405. */
  readonly headers: Record<string, string> | undefined;

  constructor(refusal: Refusal, message: string, headers?: Record<string, string>) {
    super(message);
    const { statusCode, httpStatus } = refusalOf(refusal);
    this.statusCode = statusCode;
    this.httpStatus = httpStatus;
    this.headers = headers;
  }
}

/** transport_and_format: Authorization header; missing or unknown token → HTTP 401. */
export const unauthorized = (message: string) => new OcpiError("unauthorized", message);

/** A platform the operator suspended is refused on every call until resumed. */
export const forbidden = (message: string) => new OcpiError("forbidden", message);

/** status_codes: a body that is not JSON at all is the one case of HTTP 400. */
export const malformedJson = (message: string) => new OcpiError("malformed-json", message);

/** 2001: a parameter or body field is missing or wrong; the message names it. */
export const invalidParameters = (message: string) => new OcpiError("invalid-parameters", message);

/** 2000 with HTTP 200: a request the hub understood and will not carry out. */
export const clientError = (message: string) => new OcpiError("client-error", message);

/** An OCPI path that names nothing the hub has: HTTP 404 with 2000. */
export const notFound = (message: string) => new OcpiError("not-found", message);

/** A path that takes other methods: HTTP 405 with the Allow header. */
export const methodNotAllowed = (message: string, allowed?: readonly string[]) =>
  new OcpiError(
    "method-not-allowed",
    message,
    allowed === undefined ? undefined : { Allow: allowed.join(", ") },
  );

/** 2001 with HTTP 413: a request body past the hub's size limit (MAX_BODY_BYTES). */
export const payloadTooLarge = (message: string) => new OcpiError("payload-too-large", message);

/** 2000 with HTTP 429: a lockout or rate limit; Retry-After says when to try again (seconds). */
export const tooManyRequests = (message: string, retryAfterSeconds: string) =>
  new OcpiError("too-many-requests", message, { "Retry-After": retryAfterSeconds });

/** 2003 with HTTP 404: a location, EVSE or connector the hub does not know. */
export const unknownLocation = (message: string) => new OcpiError("unknown-location", message);

/** 3000 with HTTP 500: the hub itself failed. */
export const serverError = (message: string) => new OcpiError("server-error", message);

/** 3000 with HTTP 503: the hub could not take the request now; the sender sends it again. */
export const unavailable = (message: string) => new OcpiError("unavailable", message);

/** 3000 with HTTP 200: a receiver's answer the hub cannot relay (not an OCPI envelope). */
export const invalidAnswer = (message: string) => new OcpiError("invalid-answer", message);

/** 3001: the hub could not use the other platform's API (handshake). */
export const unableToUseClientApi = (message: string) =>
  new OcpiError("unable-to-use-client-api", message);

/** 3002: no version both sides speak. */
export const unsupportedVersion = (message: string) =>
  new OcpiError("unsupported-version", message);

/** 3003: the other platform offers no endpoint the hub needs. */
export const noMatchingEndpoints = (message: string) =>
  new OcpiError("no-matching-endpoints", message);

/** 4000: a hub error, e.g. the receiver does not implement the module and interface. */
export const hubError = (message: string) => new OcpiError("hub-error", message);

/** 4001: the receiver is unknown, or the hub cannot tell it from the content. */
export const unknownReceiver = (message: string) => new OcpiError("unknown-receiver", message);

/** 4001 with HTTP 404: a callback URL that expects no (more) results. */
export const unknownCallback = (message: string) => new OcpiError("unknown-callback", message);

/** 4002: the receiver did not answer in time. */
export const forwardTimeout = (message: string) => new OcpiError("forward-timeout", message);

/** 4003: the receiver is known but not connected (or refused the hub). */
export const receiverNotConnected = (message: string) =>
  new OcpiError("receiver-not-connected", message);
