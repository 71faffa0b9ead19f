import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An admin API failure: HTTP status, a stable code and a sentence for the operator. */
export class AdminError extends Error {
  override readonly name = "AdminError";
  constructor(
    readonly httpStatus: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const adminNotFound = (what: string) =>
  new AdminError(404, "NOT_FOUND", `${what} not found`);
export const adminConflict = (message: string) => new AdminError(409, "CONFLICT", message);
export const adminInvalid = (message: string) => new AdminError(400, "INVALID_REQUEST", message);
