import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { envelope } from "../ocpi/envelope.js";
import { OutHeader } from "../ocpi/headers.js";
import type { StatusCode } from "../ocpi/status-codes.js";
import { type RequestScope, scopeOf } from "./request-scope.js";

export interface RespondOptions {
  message?: string;
  httpStatus?: number;
  /** Further headers, such as the pagination headers. */
  headers?: Record<string, string>;
}

/** What an answer needs of its request: the clock and the ids it echoes. */
type ReplyScope = Pick<RequestScope, "deps" | "requestId" | "correlationId">;

/**
 * The one way an OCPI answer the hub writes itself leaves it: the envelope,
 * timestamped by the injected clock, with the request's X-Request-ID and
 * X-Correlation-ID.
 */
export function reply<T>(
  scope: ReplyScope,
  statusCode: StatusCode,
  data?: T,
  options: RespondOptions = {},
): Response {
  const body = envelope(scope.deps.clock.now(), statusCode, data, options.message);
  return answer(JSON.stringify(body), options.httpStatus ?? 200, {
    ...idHeaders(scope),
    ...options.headers,
  });
}

/** reply() for a handler that holds Hono's Context. */
export function respond<T>(
  c: Context<AppEnv>,
  statusCode: StatusCode,
  data?: T,
  options: RespondOptions = {},
): Response {
  return reply(scopeOf(c), statusCode, data, options);
}

/** The request's ids, echoed on every answer. */
export function idHeaders(scope: Pick<RequestScope, "requestId" | "correlationId">) {
  return {
    [OutHeader.requestId]: scope.requestId,
    [OutHeader.correlationId]: scope.correlationId,
  };
}

/**
 * A JSON answer with its headers as a plain object. Hono's c.json() and
 * c.body() turn more than one header into a Headers object, which costs
 * several microseconds; the adapter's own Response keeps the object and
 * writes it as it is.
 */
export function answer(text: string, status: number, headers: Record<string, string>): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
