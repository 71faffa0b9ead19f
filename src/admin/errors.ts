import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
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

/**
 * The admin API's JSON answer to a failure it can name (an AdminError, or
 * a Hono client error such as a malformed body); undefined for anything
 * else, which the caller treats as an internal error.
 */
export function adminFailure(err: unknown, c: Context): Response | undefined {
  if (err instanceof AdminError) {
    return c.json(
      { error: { code: err.code, message: err.message, ...err.details } },
      err.httpStatus,
    );
  }
  if (err instanceof HTTPException && err.status < 500) {
    return c.json({ error: { code: "BAD_REQUEST", message: err.message } }, err.status);
  }
  return undefined;
}
