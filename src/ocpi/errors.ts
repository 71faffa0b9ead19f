import { httpStatusOf, StatusCode } from "./status-codes.js";

/**
 * The one error type OCPI handlers throw. app.onError turns it into the
 * envelope; nothing else writes an OCPI error body.
 */
export class OcpiError extends Error {
  override readonly name = "OcpiError";
  readonly statusCode: StatusCode;
  readonly httpStatus: number;

  /** Headers the answer must carry, such as Allow on a 405. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    statusCode: StatusCode,
    message: string,
    httpStatus = httpStatusOf(statusCode),
    headers?: Record<string, string>,
  ) {
    super(message);
    this.statusCode = statusCode;
    this.httpStatus = httpStatus;
    this.headers = headers;
  }
}

/** transport_and_format: Authorization header; missing or unknown token → HTTP 401. */
export const unauthorized = (message: string) =>
  new OcpiError(StatusCode.ClientError, message, 401);

/** A platform the operator suspended is refused on every call until resumed. */
export const forbidden = (message: string) => new OcpiError(StatusCode.ClientError, message, 403);

/** status_codes: a body that is not JSON at all is the one case of HTTP 400. */
export const malformedJson = (message: string) =>
  new OcpiError(StatusCode.InvalidParameters, message, 400);

export const invalidParameters = (message: string) =>
  new OcpiError(StatusCode.InvalidParameters, message);

export const notFound = (message: string) => new OcpiError(StatusCode.ClientError, message, 404);

/** credentials: POST when registered, PUT/DELETE when not → HTTP 405. */
export const methodNotAllowed = (message: string) =>
  new OcpiError(StatusCode.ClientError, message, 405);

export const serverError = (message: string) => new OcpiError(StatusCode.ServerError, message);
