import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import type { StatusCode } from "../ocpi/status-codes.js";
import { type ReplyOptions, reply } from "../routing/scope.js";
import { scopeOf } from "./request-scope.js";

/** reply() for a handler that holds Hono's Context: the envelope with the request's ids. */
export function respond<T>(
  c: Context<AppEnv>,
  statusCode: StatusCode,
  data?: T,
  options: ReplyOptions = {},
): Response {
  return reply(scopeOf(c), statusCode, data, options);
}
