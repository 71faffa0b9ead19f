import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import type { StatusCode } from "../ocpi/status-codes.js";
import { type ReplyOptions, reply } from "../routing/scope.js";

/**
 * reply() for a handler that holds Hono's Context: the envelope with the
 * request's ids. It reads the three things reply() needs and builds no
 * request scope.
 */
export function respond<T>(
  c: Context<AppEnv>,
  statusCode: StatusCode,
  data?: T,
  options: ReplyOptions = {},
): Response {
  const ids = {
    deps: c.get("deps"),
    requestId: c.get("requestId"),
    correlationId: c.get("correlationId"),
  };
  return reply(ids, statusCode, data, options);
}
